import { falconMessage, falconRequest } from './falcon-session.ts';
import { timeOf, unexpectedBody, type AlertFeed } from '../sdk/alert-feed.ts';
import {
  currentSweep,
  describeSweep,
  finishSweep,
  newest,
  readSweep,
  takeNew,
  type Stamped,
} from '../sdk/feed-sweep.ts';
import { ActionError } from '../../core/action.ts';
import type { IntegrationContext } from '../sdk/integration.ts';

interface FalconList {
  resources?: unknown;
  errors?: unknown;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** An FQL string literal: quotes and backslashes escaped. */
const fql = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Resources of a Falcon answer, or the request fails: a page is taken whole or not at all. */
function resourcesOf(body: FalconList | null, what: string): unknown[] {
  if (!Array.isArray(body?.resources)) {
    const reason = falconMessage(body);
    throw unexpectedBody('CrowdStrike', `${what} without "resources"${reason ? ` (${reason})` : ''}`);
  }
  return body.resources;
}

async function alertIds(
  context: IntegrationContext,
  filter: string,
  limit: number,
  offset: number,
): Promise<string[]> {
  const response = await falconRequest(context, {
    path: '/alerts/queries/alerts/v2',
    query: { filter, sort: 'updated_timestamp|asc', limit, offset },
    accept: [400],
  });
  const body = response.json<FalconList | null>();
  if (response.status === 400)
    throw new ActionError(
      'bad_request',
      `CrowdStrike refused the alert query: ${falconMessage(body) ?? 'status 400'}`,
      {
        retryable: false,
      },
    );
  const ids = resourcesOf(body, 'the alert query');
  if (!ids.every((id) => typeof id === 'string'))
    throw unexpectedBody('CrowdStrike', 'alert ids that are not strings');
  return ids as string[];
}

async function alertEntities(context: IntegrationContext, ids: string[]): Promise<Record<string, unknown>[]> {
  const response = await falconRequest(context, {
    method: 'POST',
    path: '/alerts/entities/alerts/v2',
    json: { composite_ids: ids },
  });
  return resourcesOf(response.json<FalconList | null>(), 'the alert details') as Record<string, unknown>[];
}

/**
 * CrowdStrike Falcon alerts pulled from the Alerts API (Alerts: Read): the composite ids of alerts
 * updated at or after a time, oldest first (`GET /alerts/queries/alerts/v2`, FQL on
 * `updated_timestamp`), then their details (`POST /alerts/entities/alerts/v2` with `composite_ids`).
 * Pages are keyset: each starts at the newest update time read so far, skipping the alerts already
 * read at exactly that millisecond, so an alert updated while a sweep runs moves later and is read
 * again, never skipped; `offset` never grows past a page.
 */
export const crowdstrikeAlertFeed: AlertFeed = {
  format: 'crowdstrike',
  title: 'CrowdStrike Falcon alerts',
  // The query takes up to 1,000 ids; a page of alert details must stay under the HTTP client's 8 MiB.
  pageSize: { default: 200, max: 500 },
  overlap: true,
  defaultFilter: null,
  describe: (cursor) => describeSweep(cursor, 'updated_timestamp'),
  async fetchPage(context, request) {
    const cursor = readSweep(request.cursor, request.filter ?? '', request.startAt);
    const position = currentSweep(cursor, request.overlapSeconds);
    const time = `updated_timestamp:>=${fql(position.at)}`;
    const ids = await alertIds(
      context,
      request.filter ? `${time}+(${request.filter})` : time,
      request.pageSize,
      position.skip,
    );
    const order = new Map(ids.map((id, i) => [id, i]));
    const alerts = ids.length === 0 ? [] : await alertEntities(context, ids);
    const stamped: Stamped<unknown>[] = alerts
      .map((a) => ({
        id: typeof a?.['composite_id'] === 'string' ? a['composite_id'] : '',
        updated: typeof a?.['updated_timestamp'] === 'string' ? a['updated_timestamp'] : '',
        record: a,
      }))
      // The details come back in no promised order: the query's order (oldest update first) is kept.
      .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    const records = takeNew(cursor.seen, stamped);
    const high = stamped.reduce((max, a) => newest(max, a.updated), position.high);
    if (ids.length < request.pageSize)
      return { records, cursor: finishSweep(cursor, high, request.overlapSeconds), more: false };
    // The next page starts at the newest millisecond of this one, past the alerts read at it.
    const times = stamped.flatMap((a) => timeOf(a.updated) ?? []);
    const last = Math.max(timeOf(position.at)!, ...times);
    const atLast = times.filter((t) => t === last).length;
    const skip = last === timeOf(position.at) ? position.skip + ids.length : atLast;
    return {
      records,
      cursor: { ...cursor, sweep: { ...position, at: iso(last), skip, high } },
      more: true,
    };
  },
};
