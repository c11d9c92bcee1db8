import { Type } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import type { HttpRequest, HttpResponse } from '../sdk/http-client.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { defineAction, defineIntegration } from '../sdk/integration.ts';

/** The tag that ties a case to the step that opened it. */
export function idempotencyTag(idempotencyKey: string): string {
  return `riposte:${idempotencyKey}`;
}

/**
 * TheHive is self-hosted: base_url is required. Its errors are `{"type":"…","message":"…"}`; 400 and
 * 404 are read for that message, 401/403/429/5xx are the HTTP client's.
 */
async function hiveRequest(context: IntegrationContext, request: HttpRequest): Promise<HttpResponse> {
  if (!context.fields['base_url'])
    throw new ActionError(
      'not_configured',
      'the TheHive instance has no base_url (https://thehive.example.org)',
      {
        retryable: false,
      },
    );
  const organisation = context.fields['organisation'];
  const response = await context.http.request({
    ...request,
    // Users in several organisations act in the one named here (TheHive's X-Organisation header).
    headers: { ...request.headers, ...(organisation ? { 'X-Organisation': organisation } : {}) },
    accept: [400, 404],
  });
  if (response.status < 400) return response;
  let type = '';
  let message = '';
  try {
    const body = response.json<{ type?: unknown; message?: unknown }>() ?? {};
    type = typeof body.type === 'string' ? body.type : '';
    message = typeof body.message === 'string' ? body.message : '';
  } catch {
    message = response.text().slice(0, 200);
  }
  const what = `TheHive ${request.method ?? 'GET'} ${request.path}`;
  const reason = [type, message].filter(Boolean).join(': ') || 'no reason given';
  throw new ActionError(
    response.status === 404 ? 'not_found' : 'rejected',
    `${what} ${response.status === 404 ? 'found nothing' : 'was refused'} (${response.status}): ${reason}`,
    { retryable: false },
  );
}

const CaseOutput = Type.Object({
  _id: Type.String(),
  number: Type.Integer(),
  title: Type.String(),
  status: Type.String(),
  url: Type.String(),
  /** A case from an earlier attempt of the same step was found: nothing was created. */
  deduplicated: Type.Boolean(),
});

function toCase(context: IntegrationContext, body: unknown, deduplicated: boolean) {
  const c = (body ?? {}) as Record<string, unknown>;
  if (typeof c['_id'] !== 'string' || typeof c['number'] !== 'number')
    throw new ActionError('invalid_response', 'TheHive answered a case without _id or number', {
      retryable: false,
    });
  const base = (context.fields['base_url'] ?? '').replace(/\/+$/, '');
  return {
    _id: c['_id'],
    number: c['number'],
    title: String(c['title'] ?? ''),
    status: String(c['status'] ?? ''),
    url: `${base}/cases/${encodeURIComponent(c['_id'])}/details`,
    deduplicated,
  };
}

const createCase = defineAction({
  name: 'create_case',
  title: 'Open a TheHive case',
  description:
    'Creates a case (title, description, severity 1–4, TLP 0–4, PAP 0–3, tags). Idempotent per step: the ' +
    'case carries the tag riposte:<idempotency key>, looked for with the Query API before creating.',
  effect: 'write',
  input: Type.Object(
    {
      title: Type.String({ minLength: 1, maxLength: 512 }),
      description: Type.String({ minLength: 1, maxLength: 1_048_576 }),
      severity: Type.Optional(
        Type.Integer({ minimum: 1, maximum: 4, default: 2, description: '1 low … 4 critical' }),
      ),
      tlp: Type.Optional(
        Type.Integer({ minimum: 0, maximum: 4, default: 2, description: 'TLP 2.0: 0 clear … 4 red' }),
      ),
      pap: Type.Optional(
        Type.Integer({ minimum: 0, maximum: 3, default: 2, description: '0 clear … 3 red' }),
      ),
      tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 50 })),
      flag: Type.Optional(Type.Boolean()),
      assignee: Type.Optional(Type.String({ minLength: 1, description: 'login of the case owner' })),
    },
    { additionalProperties: false },
  ),
  output: CaseOutput,
  async run(input, context) {
    const tag = idempotencyTag(context.idempotencyKey);
    const found = await hiveRequest(context, {
      method: 'POST',
      path: '/api/v1/query',
      query: { name: 'riposte-find-case' },
      json: {
        query: [
          { _name: 'listCase' },
          { _name: 'filter', _eq: { _field: 'tags', _value: tag } },
          { _name: 'page', from: 0, to: 1 },
        ],
      },
    });
    const cases = found.json();
    if (!Array.isArray(cases))
      throw new ActionError('invalid_response', 'TheHive answered a query with something other than a list', {
        retryable: false,
      });
    if (cases.length > 0) return toCase(context, cases[0], true);

    const created = await hiveRequest(context, {
      method: 'POST',
      path: '/api/v1/case',
      json: {
        title: input.title,
        description: input.description,
        severity: input.severity ?? 2,
        tlp: input.tlp ?? 2,
        pap: input.pap ?? 2,
        tags: [...new Set([...(input.tags ?? []), tag])],
        ...(input.flag !== undefined ? { flag: input.flag } : {}),
        ...(input.assignee !== undefined ? { assignee: input.assignee } : {}),
      },
    });
    return toCase(context, created.json(), false);
  },
});

export const theHiveIntegration = defineIntegration({
  id: 'thehive',
  name: 'TheHive 5',
  version: '1.0.0',
  categories: ['ticketing', 'case_management'],
  docs: 'https://docs.strangebee.com/thehive/api-docs/',
  baseUrl: '',
  credentials: [
    { name: 'api_key', label: 'API key', secret: true, required: true },
    {
      name: 'organisation',
      label: 'Organisation',
      secret: false,
      required: false,
      description: 'Sent as X-Organisation when the API user belongs to several organisations',
    },
  ],
  auth: { kind: 'header', header: 'Authorization', field: 'api_key', prefix: 'Bearer ' },
  testConnection: async (context) => {
    await hiveRequest(context, { path: '/api/v1/user/current' });
  },
  actions: [createCase],
});
