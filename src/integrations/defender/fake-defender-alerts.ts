import { randomUUID } from 'node:crypto';
import type { FakeReply, FakeRequest } from '../sdk/fake-server.ts';
import { parseBooleanFilter } from '../sdk/fake-filter.ts';

/** A Defender for Endpoint alert as `GET /api/alerts` returns it (the fields the fake reads; the rest pass through). */
export interface FakeDefenderAlert extends Record<string, unknown> {
  id: string;
  title: string;
  lastUpdateTime: string;
  alertCreationTime: string;
  severity?: string;
  status?: string;
  evidence?: unknown[];
}

/** How the alert list misbehaves until cleared. */
export type FakeAlertFault = 'server_error' | 'unauthorized' | 'not_json' | 'no_value' | 'rate_limited';

const FILTERABLE = new Set(['status', 'severity', 'category', 'detectionSource', 'incidentId', 'id']);
const TIMES = new Set(['lastUpdateTime', 'alertCreationTime', 'lastEventTime']);
const OPERATORS: Record<string, (a: number, b: number) => boolean> = {
  ge: (a, b) => a >= b,
  gt: (a, b) => a > b,
  le: (a, b) => a <= b,
  lt: (a, b) => a < b,
};

const odataError = (status: number, code: string, message: string, headers?: Record<string, string>) => ({
  status,
  json: { error: { code, message, target: randomUUID() } },
  ...(headers ? { headers } : {}),
});

type Condition = (alert: FakeDefenderAlert) => boolean;

function skipOf(token: string): number {
  try {
    const skip = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { skip?: unknown }).skip;
    return typeof skip === 'number' ? skip : -1;
  } catch {
    return -1;
  }
}

/**
 * The `$filter`s the List alerts API documents, as far as the connector and its tests use them:
 * `<time property> ge|gt|le|lt <ISO datetime>` and `<property> eq '<value>'`, joined by `and`/`or`
 * (with `and` binding first) and grouped by parentheses. Anything else is an `ODataError`, as an
 * unsupported query is in Defender.
 */
function parseFilter(text: string): Condition | null {
  const tokens = text.match(/\(|\)|'(?:[^']|'')*'|[^\s()]+/g) ?? [];
  return parseBooleanFilter<FakeDefenderAlert>(tokens, (property, operator, value) => {
    if (TIMES.has(property) && OPERATORS[operator] && !value.startsWith("'")) {
      const at = Date.parse(value);
      if (!Number.isFinite(at) || !/^\d{4}-\d\d-\d\dT/.test(value)) return null;
      const compare = OPERATORS[operator];
      return (a) => compare(Date.parse(String(a[property] ?? '')), at);
    }
    if (FILTERABLE.has(property) && operator === 'eq' && value.startsWith("'")) {
      const literal = value.slice(1, -1).replace(/''/g, "'");
      return (a) => String(a[property] ?? '') === literal;
    }
    return null;
  });
}

export interface FakeAlertList {
  alerts: FakeDefenderAlert[];
  /** Adds an alert, or replaces the one with its id (an update: give it a newer lastUpdateTime). */
  put(alert: FakeDefenderAlert): void;
  fault: FakeAlertFault | null;
  /** Whether a page that leaves alerts behind carries `@odata.nextLink` (else the client pages by `$skip`). */
  nextLinks: boolean;
  handle(request: FakeRequest): FakeReply;
}

/**
 * `GET /api/alerts` of Defender for Endpoint: `$filter` on the documented properties, `$top` (at most
 * 10,000), `$skip`, `$expand=evidence` (evidence only when asked for), newest alert first, and
 * `@odata.nextLink` for the rest of a page-limited answer.
 */
export function fakeAlertList(initial: FakeDefenderAlert[] = []): FakeAlertList {
  const list: FakeAlertList = {
    alerts: initial.map((a) => ({ ...a })),
    fault: null,
    nextLinks: true,
    put(alert) {
      const at = list.alerts.findIndex((a) => a.id === alert.id);
      if (at >= 0) list.alerts[at] = { ...alert };
      else list.alerts.push({ ...alert });
    },
    handle(request) {
      if (list.fault === 'unauthorized')
        return odataError(401, 'Unauthorized', 'Unauthorized (invalid or expired authorization header).');
      if (list.fault === 'rate_limited')
        return odataError(
          429,
          'TooManyRequests',
          'Response represents reaching quota limit either by number of requests or by CPU.',
          { 'retry-after': '120' },
        );
      if (list.fault === 'server_error')
        return {
          status: 500,
          text: '<html><body>Internal Server Error</body></html>',
          headers: { 'content-type': 'text/html' },
        };
      if (list.fault === 'not_json')
        return { text: '<!DOCTYPE html><html>Sign in</html>', headers: { 'content-type': 'text/html' } };
      if (list.fault === 'no_value') return { json: { '@odata.context': 'x', error: null } };
      const filterText = request.query.get('$filter');
      const condition = filterText === null ? () => true : parseFilter(filterText);
      if (!condition) return odataError(400, 'ODataError', `Invalid OData URI query: ${filterText}`);
      const top = Number(request.query.get('$top') ?? '10000');
      // A next link carries its position as an opaque token, which only this server reads.
      const token = request.query.get('$skiptoken');
      const skip = token === null ? Number(request.query.get('$skip') ?? '0') : skipOf(token);
      if (!Number.isInteger(top) || top < 1 || top > 10_000)
        return odataError(400, 'ODataError', `Invalid OData URI query: $top must be between 1 and 10000`);
      if (!Number.isInteger(skip) || skip < 0)
        return odataError(400, 'ODataError', `Invalid OData URI query: $skip must be a non-negative integer`);
      const expand = request.query.get('$expand');
      if (expand !== null && expand !== 'evidence')
        return odataError(400, 'ODataError', `Invalid OData URI query: $expand=${expand}`);
      const matching = list.alerts
        .filter(condition)
        .sort((a, b) => b.alertCreationTime.localeCompare(a.alertCreationTime) || b.id.localeCompare(a.id));
      const value = matching.slice(skip, skip + top).map((a) => {
        const { evidence, ...rest } = a;
        return expand === 'evidence' ? { ...rest, evidence: evidence ?? [] } : rest;
      });
      const next = new URL(`http://${request.headers.host}${request.path}`);
      request.query.forEach((v, k) => next.searchParams.set(k, v));
      next.searchParams.delete('$skip');
      next.searchParams.set(
        '$skiptoken',
        Buffer.from(JSON.stringify({ skip: skip + top })).toString('base64url'),
      );
      return {
        json: {
          '@odata.context': 'https://api.securitycenter.microsoft.com/api/$metadata#Alerts',
          value,
          ...(list.nextLinks && skip + top < matching.length ? { '@odata.nextLink': next.toString() } : {}),
        },
      };
    },
  };
  return list;
}
