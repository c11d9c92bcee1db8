import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';

export interface FakePagerDutyAlert {
  dedup_key: string;
  routing_key: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  summary: string;
  severity: string;
  source: string;
  /** Trigger events applied to this alert (a repeat adds a log entry, not an alert). */
  triggers: number;
}

export interface FakePagerDutyOptions {
  /** Integration keys that exist (32 characters). */
  routingKeys?: string[];
  /** Events accepted before 429. */
  eventsBeforeLimit?: number;
}

export interface FakePagerDuty extends FakeServer {
  alerts: FakePagerDutyAlert[];
}

export const FAKE_ROUTING_KEY = 'R0UT1NGKEYFAKE0123456789ABCDEF01';

const invalid = (...errors: string[]): FakeReply => ({
  status: 400,
  json: { status: 'invalid event', message: 'Event object is invalid', errors },
});
const SEVERITIES = ['critical', 'error', 'warning', 'info'];

/**
 * An Events API v2 stand-in (POST /v2/enqueue): 202 `{status:"success", message:"Event processed",
 * dedup_key}`, a generated dedup_key when none is given, alert de-duplication (a trigger with an open
 * alert's dedup_key joins it; acknowledge/resolve without an open alert are dropped), 400 "invalid event"
 * with `errors`, and 429 when too many events arrive.
 */
export async function startFakePagerDuty(options: FakePagerDutyOptions = {}): Promise<FakePagerDuty> {
  const keys = new Set(options.routingKeys ?? [FAKE_ROUTING_KEY]);
  const alerts: FakePagerDutyAlert[] = [];
  let accepted = 0;
  let generated = 0;

  const enqueue = (request: FakeRequest): FakeReply => {
    if (options.eventsBeforeLimit !== undefined && accepted >= options.eventsBeforeLimit)
      return {
        status: 429,
        json: {
          status: 'throttle event',
          message: 'Requests for this service are arriving too quickly.  Please retry later.',
        },
      };
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      return invalid('Malformed JSON');
    }
    const routingKey = String(event['routing_key'] ?? '');
    if (routingKey.length !== 32)
      return invalid("Length of 'routing_key' is incorrect (should be 32 characters)");
    if (!keys.has(routingKey)) return invalid('Invalid routing key');
    const action = event['event_action'];
    if (action !== 'trigger' && action !== 'acknowledge' && action !== 'resolve')
      return invalid(
        "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')",
      );
    const payload = (event['payload'] ?? {}) as Record<string, unknown>;
    if (action === 'trigger') {
      const missing = ['summary', 'source', 'severity'].filter(
        (f) => typeof payload[f] !== 'string' || !payload[f],
      );
      if (missing.length) return invalid(...missing.map((f) => `'payload.${f}' is missing or blank`));
      if (!SEVERITIES.includes(payload['severity'] as string))
        return invalid(
          "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')",
        );
    } else if (!event['dedup_key']) return invalid("'dedup_key' is missing or blank");
    accepted++;
    const dedupKey = String(event['dedup_key'] ?? `generated-${++generated}`);
    const open = alerts.find(
      (a) => a.dedup_key === dedupKey && a.routing_key === routingKey && a.status !== 'resolved',
    );
    if (action === 'trigger') {
      if (open) open.triggers++;
      else
        alerts.push({
          dedup_key: dedupKey,
          routing_key: routingKey,
          status: 'triggered',
          summary: payload['summary'] as string,
          severity: payload['severity'] as string,
          source: payload['source'] as string,
          triggers: 1,
        });
    } else if (open) open.status = action === 'acknowledge' ? 'acknowledged' : 'resolved';
    return { status: 202, json: { status: 'success', message: 'Event processed', dedup_key: dedupKey } };
  };

  const server = await startFakeServer([['POST', '/v2/enqueue', enqueue]]);
  return Object.assign(server, { alerts });
}
