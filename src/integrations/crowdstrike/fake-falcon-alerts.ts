import { randomUUID } from 'node:crypto';
import type { FakeReply, FakeRequest } from '../sdk/fake-server.ts';

/** An alert of Falcon's Alerts API (the fields the fake reads; the rest pass through). */
export interface FakeFalconAlert extends Record<string, unknown> {
  composite_id: string;
  /** Falcon writes nanoseconds: `2024-02-22T15:15:05.637481021Z`. */
  updated_timestamp: string;
  created_timestamp: string;
  display_name: string;
}

export type FakeFalconAlertFault = 'server_error' | 'not_json' | 'no_resources' | 'rate_limited';

/** Falcon's query endpoints page up to 10,000 results by offset (beyond that, the combined endpoint's `after`). */
const OFFSET_WINDOW = 10_000;
const MAX_LIMIT = 1_000;
const TIME_FIELDS = new Set(['updated_timestamp', 'created_timestamp', 'timestamp']);
const FIELDS = new Set([
  ...TIME_FIELDS,
  'status',
  'product',
  'severity',
  'severity_name',
  'type',
  'composite_id',
]);

const envelope = (extra: Record<string, unknown>, meta: Record<string, unknown> = {}) => ({
  meta: { query_time: 0.004, powered_by: 'detectsapi', trace_id: randomUUID(), ...meta },
  ...extra,
});
const failure = (status: number, message: string, headers?: Record<string, string>): FakeReply => ({
  status,
  json: envelope({ resources: [], errors: [{ code: status, message }] }),
  ...(headers ? { headers } : {}),
});

/** A Falcon timestamp in nanoseconds since the epoch, for exact ordering. */
function nanos(text: unknown): bigint | null {
  if (typeof text !== 'string') return null;
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(text);
  const seconds = match ? Date.parse(`${match[1]}Z`) : NaN;
  if (!match || !Number.isFinite(seconds)) return null;
  return BigInt(seconds) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

type Condition = (alert: FakeFalconAlert) => boolean;

/**
 * FQL as far as the connector and its tests use it: `field:<op><value>` terms (`op` one of `>=`,
 * `>`, `<=`, `<`, or none for equality; values quoted `'…'` or `"…"`, or numbers) joined by `+`
 * (and) or `,` (or), with parentheses. Anything else is refused, as Falcon refuses a bad filter.
 */
function parseFql(text: string): Condition | null {
  let i = 0;
  const term = (): Condition | null => {
    if (text[i] === '(') {
      i++;
      const inner = expression();
      if (!inner || text[i++] !== ')') return null;
      return inner;
    }
    const match = /^([a-z_.]+):(>=|<=|>|<|!)?('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)/.exec(
      text.slice(i),
    );
    if (!match || !FIELDS.has(match[1]!)) return null;
    i += match[0].length;
    const [, field, op = '', raw] = match as unknown as [string, string, string | undefined, string];
    const value = /^['"]/.test(raw) ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    const compare = (a: FakeFalconAlert): number | null => {
      if (TIME_FIELDS.has(field)) {
        const x = nanos(a[field]);
        const y = nanos(value)!;
        return x === null ? null : x < y ? -1 : x > y ? 1 : 0;
      }
      const x = a[field];
      if (typeof x === 'number') return x - Number(value);
      return String(x ?? '').localeCompare(value);
    };
    if (TIME_FIELDS.has(field) && nanos(value) === null) return null;
    return (a) => {
      const c = compare(a);
      if (c === null) return false;
      return op === '>='
        ? c >= 0
        : op === '>'
          ? c > 0
          : op === '<='
            ? c <= 0
            : op === '<'
              ? c < 0
              : op === '!'
                ? c !== 0
                : c === 0;
    };
  };
  const expression = (): Condition | null => {
    let left = term();
    while (left && (text[i] === '+' || text[i] === ',')) {
      const joiner = text[i++];
      const right = term();
      if (!right) return null;
      const l = left;
      left = joiner === '+' ? (a) => l(a) && right(a) : (a) => l(a) || right(a);
    }
    return left;
  };
  const condition = expression();
  return condition && i === text.length ? condition : null;
}

export interface FakeFalconAlerts {
  alerts: FakeFalconAlert[];
  /** Adds an alert, or replaces the one with its composite id (an update: a newer updated_timestamp). */
  put(alert: FakeFalconAlert): void;
  fault: FakeFalconAlertFault | null;
  query(request: FakeRequest): FakeReply;
  entities(request: FakeRequest): FakeReply;
}

/**
 * The Alerts API of Falcon: `GET /alerts/queries/alerts/v2` (FQL `filter`, `sort`, `limit` up to
 * 1,000, `offset` within the first 10,000) answers composite ids; `POST /alerts/entities/alerts/v2`
 * with `{"composite_ids": […]}` answers the alerts, in no particular order.
 */
export function fakeFalconAlerts(initial: FakeFalconAlert[] = []): FakeFalconAlerts {
  const store: FakeFalconAlerts = {
    alerts: initial.map((a) => ({ ...a })),
    fault: null,
    put(alert) {
      const at = store.alerts.findIndex((a) => a.composite_id === alert.composite_id);
      if (at >= 0) store.alerts[at] = { ...alert };
      else store.alerts.push({ ...alert });
    },
    query(request) {
      const broken = faultReply(store.fault);
      if (broken) return broken;
      const filter = request.query.get('filter');
      const condition = filter === null ? () => true : parseFql(filter);
      if (!condition) return failure(400, `Invalid filter: ${filter}`);
      const limit = Number(request.query.get('limit') ?? '100');
      const offset = Number(request.query.get('offset') ?? '0');
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
        return failure(400, `limit must be between 1 and ${MAX_LIMIT}`);
      if (!Number.isInteger(offset) || offset < 0 || offset + limit > OFFSET_WINDOW)
        return failure(400, `offset + limit must not exceed ${OFFSET_WINDOW}`);
      const sort = request.query.get('sort') ?? 'created_timestamp|desc';
      const order = /^([a-z_]+)[|.](asc|desc)$/.exec(sort);
      if (!order || !TIME_FIELDS.has(order[1]!)) return failure(400, `Invalid sort: ${sort}`);
      const [, field, direction] = order as unknown as [string, string, string];
      const matching = store.alerts.filter(condition).sort((a, b) => {
        const x = nanos(a[field]) ?? 0n;
        const y = nanos(b[field]) ?? 0n;
        const c = x < y ? -1 : x > y ? 1 : a.composite_id.localeCompare(b.composite_id);
        return direction === 'asc' ? c : -c;
      });
      return {
        json: envelope(
          { resources: matching.slice(offset, offset + limit).map((a) => a.composite_id), errors: [] },
          { pagination: { offset, limit, total: matching.length } },
        ),
      };
    },
    entities(request) {
      const broken = faultReply(store.fault === 'rate_limited' ? store.fault : null);
      if (broken) return broken;
      let ids: unknown;
      try {
        ids = (JSON.parse(request.body) as { composite_ids?: unknown }).composite_ids;
      } catch {
        return failure(400, 'Invalid JSON in request body');
      }
      if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string'))
        return failure(400, 'composite_ids is required');
      if (ids.length > MAX_LIMIT) return failure(400, `at most ${MAX_LIMIT} composite_ids`);
      const found = store.alerts.filter((a) => ids.includes(a.composite_id));
      const missing = ids.filter((id) => !found.some((a) => a.composite_id === id));
      const errors = missing.map((id) => ({ code: 404, message: `Alert ${String(id)} not found` }));
      // Falcon promises no order: the details come back newest first, unlike the query.
      const resources = found.reverse().map((a) => ({ ...a }));
      return found.length === 0
        ? { status: 404, json: envelope({ resources: [], errors }) }
        : { json: envelope({ resources, errors }) };
    },
  };
  return store;
}

function faultReply(fault: FakeFalconAlertFault | null): FakeReply | null {
  if (fault === 'server_error')
    return {
      status: 500,
      text: '<html><body><h1>500 Internal Server Error</h1></body></html>',
      headers: { 'content-type': 'text/html' },
    };
  if (fault === 'not_json')
    return {
      text: '<!DOCTYPE html><html><body>Maintenance</body></html>',
      headers: { 'content-type': 'text/html' },
    };
  if (fault === 'no_resources')
    return { json: envelope({ errors: [{ code: 500, message: 'internal error' }] }) };
  if (fault === 'rate_limited')
    return failure(429, 'API rate limit exceeded.', {
      'x-ratelimit-limit': '6000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-retryafter': String(Math.ceil(Date.now() / 1000) + 120),
    });
  return null;
}
