import { sameOriginLink, timeOf, unexpectedBody, type AlertFeed } from '../sdk/alert-feed.ts';
import { oktaRequest } from './okta-request.ts';

/**
 * The position in Okta's System Log: the `next` link of a polling request, which Okta always gives
 * and which continues exactly after the last event returned, filtered by when Okta stored each event
 * rather than when it happened, so a late event is not skipped (developer.okta.com, System Log,
 * "Polling requests").
 */
interface OktaCursor {
  v: 1;
  /** The filter and page size the link was made with: other ones start a new polling request. */
  query: string;
  next: string | null;
  /** The newest `published` read, where a new polling request starts. */
  published: string | null;
}

/** Security events and what Okta itself calls a warning or an error: not every sign-in becomes an alert. */
export const OKTA_DEFAULT_FILTER =
  'eventType sw "security." or eventType sw "user.account.lock" or eventType sw "user.mfa.factor." or ' +
  'eventType sw "user.account.privilege.grant" or eventType sw "group.privilege.grant" or ' +
  'severity eq "WARN" or severity eq "ERROR"';

/** Okta gives a System Log query 30 seconds before it answers 500 (E0000009); wait that out. */
const QUERY_TIMEOUT_MS = 35_000;

function readCursor(stored: unknown): OktaCursor | null {
  const c = stored as Partial<OktaCursor> | null;
  if (!c || typeof c !== 'object' || c.v !== 1 || typeof c.query !== 'string') return null;
  return {
    v: 1,
    query: c.query,
    next: typeof c.next === 'string' ? c.next : null,
    published: timeOf(c.published) === undefined ? null : c.published!,
  };
}

/** The `rel="next"` URL of a Link header (`<url>; rel="self", <url>; rel="next"`). */
export function nextLink(header: string | null): string | null {
  for (const part of (header ?? '').split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]+)>\s*;\s*rel="?next"?\s*$/i.exec(part);
    if (match) return match[1]!;
  }
  return null;
}

/**
 * Okta System Log events pulled as a polling request (`GET /api/v1/logs` with `since`,
 * `sortOrder=ASCENDING`, `limit` and the source's `filter`, then the `next` link of each answer).
 */
export const oktaLogFeed: AlertFeed = {
  format: 'okta',
  title: 'Okta System Log events',
  pageSize: { default: 500, max: 1000 },
  overlap: false,
  defaultFilter: OKTA_DEFAULT_FILTER,
  describe(stored) {
    const c = readCursor(stored);
    if (!c) return null;
    return c.next
      ? `Okta's next link (events stored after ${c.published ?? 'the start'})`
      : `published ≥ ${c.published}`;
  },
  async fetchPage(context, request) {
    const query = `${request.filter ?? ''}|${request.pageSize}`;
    const stored = readCursor(request.cursor);
    const cursor = stored?.query === query ? stored : null;
    const since = stored?.published ?? request.startAt;
    const response = cursor?.next
      ? await oktaRequest(context, {
          path: sameOriginLink(cursor.next, request.baseUrl, 'Okta'),
          timeoutMs: QUERY_TIMEOUT_MS,
        })
      : await oktaRequest(context, {
          path: '/api/v1/logs',
          timeoutMs: QUERY_TIMEOUT_MS,
          query: {
            since,
            sortOrder: 'ASCENDING',
            limit: request.pageSize,
            ...(request.filter ? { filter: request.filter } : {}),
          },
        });
    const events = response.json<unknown>();
    if (!Array.isArray(events)) throw unexpectedBody('Okta', 'a System Log page that is not a JSON array');
    const published = events.reduce<string | null>((max, e) => {
      const at = timeOf((e as { published?: unknown } | null)?.published);
      return at !== undefined && at > (timeOf(max) ?? -Infinity) ? new Date(at).toISOString() : max;
    }, stored?.published ?? null);
    const link = nextLink(response.headers.get('link'));
    return {
      records: events,
      cursor: {
        v: 1,
        query,
        next: link === null ? null : sameOriginLink(link, request.baseUrl, 'Okta'),
        published: published ?? since,
      } satisfies OktaCursor,
      // A polling request always has a next page; a full one means more are already waiting.
      more: events.length >= request.pageSize,
    };
  },
};
