import { Type, type Static } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { defineAction, defineIntegration } from '../sdk/integration.ts';
import { invalidAnswer, recordUrl, serviceNowRequest } from './servicenow-http.ts';

const TABLE = '/api/now/table/incident';
/** What is read back about an incident (sysparm_fields keeps answers small). */
const FIELDS = 'sys_id,number,state,short_description,correlation_id';

const Level = Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)], {
  description: '1 high, 2 medium, 3 low',
});

export const Incident = Type.Object({
  sys_id: Type.String(),
  number: Type.String(),
  state: Type.String(),
  url: Type.String(),
});

/**
 * The correlation_id that ties an incident to the step that opened it. `^` separates conditions of an
 * encoded query, so it cannot appear in a value we query by; the column holds 100 characters.
 */
export function correlationId(idempotencyKey: string): string {
  return `riposte:${idempotencyKey.replace(/\^/g, '_')}`.slice(0, 100);
}

function toIncident(context: IntegrationContext, record: unknown): Static<typeof Incident> {
  const r = (record ?? {}) as Record<string, unknown>;
  if (typeof r['sys_id'] !== 'string' || typeof r['number'] !== 'string')
    throw invalidAnswer('a record without sys_id or number');
  return {
    sys_id: r['sys_id'],
    number: r['number'],
    state: String(r['state'] ?? ''),
    url: recordUrl(context, 'incident', r['sys_id']),
  };
}

const createIncident = defineAction({
  name: 'create_incident',
  title: 'Open a ServiceNow incident',
  description:
    'Creates an incident (short description, description, urgency, impact). Idempotent per step: its ' +
    'correlation_id is riposte:<idempotency key>, queried for before creating.',
  effect: 'write',
  input: Type.Object(
    {
      short_description: Type.String({ minLength: 1, maxLength: 160 }),
      description: Type.Optional(Type.String({ maxLength: 32_000 })),
      urgency: Type.Optional(Level),
      impact: Type.Optional(Level),
      category: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
      assignment_group: Type.Optional(Type.String({ minLength: 1, description: 'sys_id or name' })),
      caller_id: Type.Optional(Type.String({ minLength: 1, description: 'sys_id or user name' })),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({ ...Incident.properties, deduplicated: Type.Boolean() }),
  async run(input, context) {
    const correlation = correlationId(context.idempotencyKey);
    const found = await serviceNowRequest(context, {
      path: TABLE,
      query: { sysparm_query: `correlation_id=${correlation}`, sysparm_limit: 1, sysparm_fields: FIELDS },
    });
    const result = found.json<{ result?: unknown }>()?.result;
    if (!Array.isArray(result)) throw invalidAnswer('a query without a "result" list');
    if (result.length > 0) return { ...toIncident(context, result[0]), deduplicated: true };

    const created = await serviceNowRequest(context, {
      method: 'POST',
      path: TABLE,
      query: { sysparm_fields: FIELDS },
      json: {
        short_description: input.short_description,
        ...(input.description !== undefined ? { description: input.description } : {}),
        // Choice fields travel as strings.
        ...(input.urgency !== undefined ? { urgency: String(input.urgency) } : {}),
        ...(input.impact !== undefined ? { impact: String(input.impact) } : {}),
        ...(input.category !== undefined ? { category: input.category } : {}),
        ...(input.assignment_group !== undefined ? { assignment_group: input.assignment_group } : {}),
        ...(input.caller_id !== undefined ? { caller_id: input.caller_id } : {}),
        correlation_id: correlation,
        correlation_display: 'Riposte',
      },
    });
    return { ...toIncident(context, created.json<{ result?: unknown }>()?.result), deduplicated: false };
  },
});

const STATES = {
  new: '1',
  in_progress: '2',
  on_hold: '3',
  resolved: '6',
  closed: '7',
  canceled: '8',
} as const;

const updateIncident = defineAction({
  name: 'update_incident',
  title: 'Update a ServiceNow incident',
  description:
    'Sets fields of an incident by sys_id (state, short description, description, urgency, impact, close ' +
    'code and notes). Idempotent: values are set, so a repeat changes nothing. Work notes are left out: ' +
    'they are a journal, and a repeated PATCH would add the note twice.',
  effect: 'write',
  input: Type.Object(
    {
      sys_id: Type.String({ pattern: '^[0-9a-f]{32}$' }),
      state: Type.Optional(
        Type.Union(Object.keys(STATES).map((s) => Type.Literal(s as keyof typeof STATES))),
      ),
      short_description: Type.Optional(Type.String({ minLength: 1, maxLength: 160 })),
      description: Type.Optional(Type.String({ maxLength: 32_000 })),
      urgency: Type.Optional(Level),
      impact: Type.Optional(Level),
      close_code: Type.Optional(Type.String({ minLength: 1 })),
      close_notes: Type.Optional(Type.String({ minLength: 1 })),
    },
    { additionalProperties: false },
  ),
  output: Incident,
  target: (input) => ({ type: 'ticket', value: input.sys_id }),
  async run(input, context) {
    const { sys_id: sysId, state, urgency, impact, ...rest } = input;
    const changes: Record<string, string> = {
      ...(Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Record<
        string,
        string
      >),
      ...(state !== undefined ? { state: STATES[state] } : {}),
      ...(urgency !== undefined ? { urgency: String(urgency) } : {}),
      ...(impact !== undefined ? { impact: String(impact) } : {}),
    };
    if (Object.keys(changes).length === 0)
      throw new ActionError('invalid_input', 'update_incident needs at least one field to set', {
        retryable: false,
      });
    const response = await serviceNowRequest(context, {
      method: 'PATCH',
      path: `${TABLE}/${sysId}`,
      query: { sysparm_fields: FIELDS },
      json: changes,
    });
    return toIncident(context, response.json<{ result?: unknown }>()?.result);
  },
});

export const serviceNowIntegration = defineIntegration({
  id: 'servicenow',
  name: 'ServiceNow',
  version: '1.0.0',
  categories: ['ticketing'],
  docs: 'https://www.servicenow.com/docs/r/api-reference/rest-apis/c_TableAPI.html',
  // Every instance has its own URL; base_url (https://<instance>.service-now.com) is required.
  baseUrl: '',
  credentials: [
    { name: 'username', label: 'User name', secret: false, required: true },
    { name: 'password', label: 'Password', secret: true, required: true },
  ],
  auth: { kind: 'basic', usernameField: 'username', passwordField: 'password' },
  // No fixed limit: rate-limit rules are configured per instance, and answer 429 with Retry-After.
  rateLimit: { requests: 10, perSeconds: 1 },
  testConnection: async (context) => {
    await serviceNowRequest(context, { path: TABLE, query: { sysparm_limit: 1, sysparm_fields: 'sys_id' } });
  },
  actions: [createIncident, updateIncident],
});
