import { randomBytes } from 'node:crypto';
import type { FakeReply, FakeRequest } from '../sdk/fake-server.ts';
import { parseBooleanFilter } from '../sdk/fake-filter.ts';

/** A System Log event (LogEvent) as `GET /api/v1/logs` returns it; the fake reads these fields. */
export interface FakeOktaEvent extends Record<string, unknown> {
  uuid: string;
  published: string;
  eventType: string;
  severity?: string;
}

export type FakeOktaLogFault = 'server_error' | 'not_json' | 'not_array' | 'rate_limited';

interface Stored {
  event: FakeOktaEvent;
  /** Okta's own order of storage: what polling requests follow (`after`). */
  seq: number;
  /** When Okta stored it: what a polling request's `since` compares. */
  persisted: number;
}

const MAX_LOOKBACK_MS = 180 * 86_400_000;

/** The documented error object: errorCode, errorSummary, errorLink (= the code), errorId, errorCauses. */
export const oktaError = (
  status: number,
  errorCode: string,
  errorSummary: string,
  headers?: Record<string, string>,
): FakeReply => ({
  status,
  json: {
    errorCode,
    errorSummary,
    errorLink: errorCode,
    errorId: `oae${randomBytes(11).toString('base64url')}`,
    errorCauses: [],
  },
  ...(headers ? { headers } : {}),
});

type Condition = (event: FakeOktaEvent) => boolean;

function attribute(event: FakeOktaEvent, path: string): unknown {
  let value: unknown = event;
  for (const key of path.split('.')) value = (value as Record<string, unknown> | null)?.[key];
  // `target.id` matches any target.
  if (value === undefined && path.startsWith('target.') && Array.isArray(event['target']))
    return (event['target'] as Record<string, unknown>[]).map((t) => t[path.slice(7)]);
  return value;
}

const SCIM: Record<string, (have: string, want: string) => boolean> = {
  eq: (h, w) => h === w,
  ne: (h, w) => h !== w,
  sw: (h, w) => h.startsWith(w),
  co: (h, w) => h.includes(w),
};

/**
 * SCIM filter expressions as the System Log takes them, as far as the connector and its tests use
 * them: `attribute op "value"` (`eq ne sw co`), `and`, `or`, parentheses. `published` is refused,
 * as Okta refuses it (it would conflict with since/until/after).
 */
function parseScim(text: string): Condition | string {
  const tokens = text.match(/\(|\)|"(?:[^"\\]|\\.)*"|[^\s()]+/g) ?? [];
  let problem = '';
  const condition = parseBooleanFilter<FakeOktaEvent>(tokens, (path, op, raw) => {
    if (path === 'published') {
      problem = 'published';
      return null;
    }
    const compare = SCIM[op];
    if (!compare || !raw.startsWith('"')) return null;
    const want = raw.slice(1, -1).replace(/\\(.)/g, '$1');
    return (e) => {
      const have = attribute(e, path);
      return Array.isArray(have)
        ? have.some((h) => compare(String(h), want))
        : have !== undefined && compare(String(have), want);
    };
  });
  if (condition) return condition;
  return problem === 'published'
    ? 'Invalid filter: published cannot be filtered; use since, until or after'
    : `Invalid filter '${text}': Unrecognized attribute operator. Expected: eq,co,sw,pr,gt,ge,lt,le`;
}

export interface FakeOktaLogs {
  /** Stores an event now (`persistedAt`: when Okta stored it, default its `published`). */
  add(event: FakeOktaEvent, persistedAt?: string): void;
  fault: FakeOktaLogFault | null;
  handle(request: FakeRequest): FakeReply;
}

/**
 * The System Log's `GET /api/v1/logs`: polling requests (no `until`, ascending) return events in the
 * order Okta stored them, from `since` (persistence time) or after the opaque `after` token, and
 * always carry a `next` link — with no new events too; bounded requests (`until`) filter on
 * `published`, in order, and end. `limit` 0–1000 (default 100), `filter` in SCIM, `since` at most 180
 * days back, `Link` headers `self` and `next`.
 */
export function fakeOktaLogs(initial: FakeOktaEvent[] = []): FakeOktaLogs {
  const stored: Stored[] = [];
  const logs: FakeOktaLogs = {
    fault: null,
    add(event, persistedAt) {
      stored.push({
        event: { ...event },
        seq: stored.length + 1,
        persisted: Date.parse(persistedAt ?? event.published),
      });
    },
    handle(request) {
      const q = request.query;
      if (logs.fault === 'server_error') return oktaError(500, 'E0000009', 'Internal Server Error');
      if (logs.fault === 'not_json')
        return {
          text: '<html><body>Okta is down for maintenance</body></html>',
          headers: { 'content-type': 'text/html' },
        };
      if (logs.fault === 'not_array') return { json: { events: [] } };
      if (logs.fault === 'rate_limited')
        return oktaError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.', {
          'x-rate-limit-limit': '120',
          'x-rate-limit-remaining': '0',
          'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + 120),
        });
      const limit = Number(q.get('limit') ?? '100');
      if (!Number.isInteger(limit) || limit < 0 || limit > 1000)
        return oktaError(400, 'E0000001', "Api validation failed: 'limit': must be between 0 and 1000");
      if (q.get('since') !== null && q.get('after') !== null)
        return oktaError(400, 'E0000001', 'Api validation failed: since and after are mutually exclusive');
      const sortOrder = q.get('sortOrder') ?? 'ASCENDING';
      if (sortOrder !== 'ASCENDING' && sortOrder !== 'DESCENDING')
        return oktaError(400, 'E0000001', "Api validation failed: 'sortOrder'");
      const time = (name: string): number | null | string => {
        const value = q.get(name);
        if (value === null) return null;
        const ms = Date.parse(value);
        return /^\d{4}-\d\d-\d\dT/.test(value) && Number.isFinite(ms)
          ? ms
          : `Api validation failed: '${name}': The date format in your query is not recognized. Please enter dates using ISO8601 string format.`;
      };
      const since = time('since');
      const until = time('until');
      if (typeof since === 'string') return oktaError(400, 'E0000001', since);
      if (typeof until === 'string') return oktaError(400, 'E0000001', until);
      if (since !== null && since < Date.now() - MAX_LOOKBACK_MS)
        return oktaError(
          400,
          'E0000053',
          'Invalid parameter: The since parameter is over 180 days prior to the current day.',
        );
      const filterText = q.get('filter');
      const condition = filterText === null ? () => true : parseScim(filterText);
      if (typeof condition === 'string') return oktaError(400, 'E0000053', condition);
      const self = new URL(`http://${request.headers.host}${request.path}`);
      q.forEach((v, k) => self.searchParams.set(k, v));
      const link = (url: URL, rel: string) => `<${url.toString()}>; rel="${rel}"`;
      const polling = until === null && sortOrder === 'ASCENDING';
      if (polling) {
        const after = q.get('after');
        const from = after === null ? null : Number(Buffer.from(after, 'base64url').toString('utf8'));
        if (from !== null && !Number.isInteger(from))
          return oktaError(400, 'E0000001', 'Api validation failed: after');
        const since7 = since ?? Date.now() - 7 * 86_400_000;
        const page = stored
          .filter((s) => (from === null ? s.persisted >= since7 : s.seq > from))
          .filter((s) => condition(s.event))
          .slice(0, limit);
        const last = page.at(-1)?.seq ?? from ?? stored.filter((s) => s.persisted < since7).at(-1)?.seq ?? 0;
        const next = new URL(self);
        next.searchParams.delete('since');
        next.searchParams.set('after', Buffer.from(String(last)).toString('base64url'));
        return {
          json: page.map((s) => s.event),
          headers: { link: `${link(self, 'self')}, ${link(next, 'next')}` },
        };
      }
      // Bounded: by published, in order, a finite number of pages (by offset in this fake).
      const offset = Number(
        q.get('after') === null ? 0 : Buffer.from(q.get('after')!, 'base64url').toString('utf8'),
      );
      const matching = stored
        .filter((s) => {
          const at = Date.parse(s.event.published);
          return (since === null || at >= since) && (until === null || at < until) && condition(s.event);
        })
        .sort(
          (a, b) => a.event.published.localeCompare(b.event.published) * (sortOrder === 'ASCENDING' ? 1 : -1),
        );
      const page = matching.slice(offset, offset + limit);
      const next = new URL(self);
      next.searchParams.set('after', Buffer.from(String(offset + limit)).toString('base64url'));
      return {
        json: page.map((s) => s.event),
        headers: {
          link:
            offset + limit < matching.length
              ? `${link(self, 'self')}, ${link(next, 'next')}`
              : link(self, 'self'),
        },
      };
    },
  };
  // Events given up front were stored as they happened.
  for (const event of [...initial].sort((a, b) => a.published.localeCompare(b.published))) logs.add(event);
  return logs;
}
