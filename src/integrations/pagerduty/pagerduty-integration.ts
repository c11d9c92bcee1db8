import { Type, type Static } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { defineAction, defineIntegration } from '../sdk/integration.ts';

const DedupKey = Type.String({ minLength: 1, maxLength: 255 });

export const EventOutput = Type.Object({
  status: Type.String(),
  message: Type.String(),
  dedup_key: Type.String(),
});
type EventOutput = Static<typeof EventOutput>;

/** PagerDuty suggests retrying a 429 after about 30 seconds when it gives no Retry-After. */
const RATE_LIMIT_PAUSE_MS = 30_000;

/**
 * POST /v2/enqueue: 202 `{status:"success", message:"Event processed", dedup_key}`; 400
 * `{status:"invalid event", message, errors:[…]}`; 429 and 5xx are to be retried. The routing key is
 * the credential, carried in the body.
 */
async function enqueue(context: IntegrationContext, event: Record<string, unknown>): Promise<EventOutput> {
  const routingKey = context.fields['routing_key'];
  if (!routingKey)
    throw new ActionError('not_configured', 'the PagerDuty instance has no routing_key', {
      retryable: false,
    });
  let response;
  try {
    response = await context.http.request({
      method: 'POST',
      path: '/v2/enqueue',
      json: { routing_key: routingKey, ...event },
      accept: [400],
    });
  } catch (error) {
    if (error instanceof ActionError && error.code === 'rate_limited' && error.retryAfterMs === undefined)
      throw new ActionError('rate_limited', error.message, {
        retryable: true,
        retryAfterMs: RATE_LIMIT_PAUSE_MS,
      });
    throw error;
  }
  const body =
    response.json<{ status?: unknown; message?: unknown; errors?: unknown; dedup_key?: unknown }>() ?? {};
  if (response.status === 400) {
    const errors = Array.isArray(body.errors) ? body.errors.map(String) : [];
    const reason = `${String(body.message ?? body.status ?? 'invalid event')}${errors.length ? `: ${errors.join('; ')}` : ''}`;
    // A routing key PagerDuty does not accept is the instance's configuration, not the event.
    const code = errors.some((e) => /routing.?key/i.test(e)) ? 'unauthorized' : 'rejected';
    throw new ActionError(code, `PagerDuty refused the event (400): ${reason}`, { retryable: false });
  }
  if (typeof body.dedup_key !== 'string')
    throw new ActionError('invalid_response', 'PagerDuty answered without a dedup_key', { retryable: false });
  return {
    status: String(body.status ?? ''),
    message: String(body.message ?? ''),
    dedup_key: body.dedup_key,
  };
}

const trigger = defineAction({
  name: 'trigger',
  title: 'Trigger a PagerDuty alert',
  description:
    'Sends a trigger event (Events API v2). Naturally idempotent: the dedup_key defaults to the step’s ' +
    'idempotency key, so a repeat lands on the same open alert. Undone by resolve.',
  effect: 'write',
  inverse: 'resolve',
  input: Type.Object(
    {
      summary: Type.String({ minLength: 1, maxLength: 1024 }),
      source: Type.String({ minLength: 1, maxLength: 255, description: 'the affected system (host, FQDN)' }),
      severity: Type.Union([
        Type.Literal('critical'),
        Type.Literal('error'),
        Type.Literal('warning'),
        Type.Literal('info'),
      ]),
      dedup_key: Type.Optional(DedupKey),
      component: Type.Optional(Type.String({ minLength: 1 })),
      group: Type.Optional(Type.String({ minLength: 1 })),
      class: Type.Optional(Type.String({ minLength: 1 })),
      timestamp: Type.Optional(
        Type.String({ minLength: 10, description: 'ISO 8601, when the problem was detected' }),
      ),
      custom_details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      links: Type.Optional(
        Type.Array(
          Type.Object({ href: Type.String({ pattern: '^https?://' }), text: Type.Optional(Type.String()) }),
          {
            maxItems: 50,
          },
        ),
      ),
    },
    { additionalProperties: false },
  ),
  output: EventOutput,
  target: (input) => (input.dedup_key ? { type: 'ticket', value: input.dedup_key } : null),
  inverseInput: (_input, output) => ({ dedup_key: output.dedup_key }),
  run: (input, context) => {
    const { dedup_key: dedupKey, links, summary, source, severity, ...optional } = input;
    return enqueue(context, {
      event_action: 'trigger',
      dedup_key: (dedupKey ?? context.idempotencyKey).slice(0, 255),
      payload: { summary, source, severity, ...optional },
      ...(links ? { links } : {}),
      client: 'Riposte',
    });
  },
});

const followUp = (action: 'acknowledge' | 'resolve', title: string, description: string) =>
  defineAction({
    name: action,
    title,
    description,
    effect: 'write',
    input: Type.Object({ dedup_key: DedupKey }, { additionalProperties: false }),
    output: EventOutput,
    target: (input) => ({ type: 'ticket', value: input.dedup_key }),
    run: (input, context) => enqueue(context, { event_action: action, dedup_key: input.dedup_key }),
  });

export const pagerDutyIntegration = defineIntegration({
  id: 'pagerduty',
  name: 'PagerDuty (Events API v2)',
  version: '1.0.0',
  categories: ['notification', 'on_call'],
  docs: 'https://developer.pagerduty.com/docs/events-api-v2/overview/',
  baseUrl: 'https://events.pagerduty.com',
  credentials: [
    {
      name: 'routing_key',
      label: 'Integration (routing) key',
      secret: true,
      required: true,
      description: 'The 32-character key of an Events API v2 integration on a service or ruleset',
    },
  ],
  // The routing key travels in each event's body, not in a header.
  auth: { kind: 'none' },
  // About 120 events a minute per integration key.
  rateLimit: { requests: 120, perSeconds: 60 },
  actions: [
    trigger,
    followUp(
      'acknowledge',
      'Acknowledge a PagerDuty alert',
      'Acknowledges the open alert with this dedup_key. Idempotent; dropped by PagerDuty when no alert is open.',
    ),
    followUp(
      'resolve',
      'Resolve a PagerDuty alert',
      'Resolves the open alert with this dedup_key (the inverse of trigger). Idempotent; dropped when none is open.',
    ),
  ],
});
