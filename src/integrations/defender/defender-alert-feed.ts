import { sameOriginLink, unexpectedBody, type AlertFeed } from '../sdk/alert-feed.ts';
import {
  currentSweep,
  describeSweep,
  finishSweep,
  newest,
  readSweep,
  takeNew,
  type Stamped,
} from '../sdk/feed-sweep.ts';
import { defenderRequest } from './defender-machines.ts';

interface DefenderAlertPage {
  value?: unknown;
  '@odata.nextLink'?: unknown;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * Defender for Endpoint alerts pulled from `GET /api/alerts` (Alert.Read.All): every alert whose
 * `lastUpdateTime` is at or after the sweep's start, `$top` at a time with its evidence
 * (`$expand=evidence`), the next page by `@odata.nextLink` when Defender gives one and by `$skip`
 * otherwise. The List alerts API documents no `$orderby`; a sweep reads the whole query, and its
 * newest `lastUpdateTime` becomes the watermark (src/integrations/sdk/feed-sweep.ts).
 */
export const defenderAlertFeed: AlertFeed = {
  format: 'defender',
  title: 'Defender for Endpoint alerts',
  // Documented maximum 10,000; a page of alerts with their evidence must stay under the HTTP client's 8 MiB.
  pageSize: { default: 200, max: 1000 },
  overlap: true,
  defaultFilter: null,
  describe: (cursor) => describeSweep(cursor, 'lastUpdateTime'),
  async fetchPage(context, request) {
    const cursor = readSweep(request.cursor, request.filter ?? '', request.startAt);
    const position = currentSweep(cursor, request.overlapSeconds);
    const time = `lastUpdateTime ge ${position.from}`;
    const response = position.next
      ? await defenderRequest(context, { path: sameOriginLink(position.next, request.baseUrl, 'Defender') })
      : await defenderRequest(context, {
          path: '/api/alerts',
          query: {
            $filter: request.filter ? `${time} and (${request.filter})` : time,
            $top: request.pageSize,
            $skip: position.skip,
            $expand: 'evidence',
          },
        });
    const body = response.json<DefenderAlertPage | null>();
    if (!Array.isArray(body?.value)) throw unexpectedBody('Defender', 'an alert list without "value"');
    const alerts = body.value as Record<string, unknown>[];
    const stamped: Stamped<unknown>[] = alerts.map((a) => ({
      id: str(a?.['id']),
      updated: str(a?.['lastUpdateTime']),
      record: a,
    }));
    const records = takeNew(cursor.seen, stamped);
    const high = stamped.reduce((max, a) => newest(max, a.updated), position.high);
    const nextLink = typeof body['@odata.nextLink'] === 'string' ? body['@odata.nextLink'] : null;
    // Without a next link a full page may still have a successor: ask for it by position.
    const more = nextLink !== null || alerts.length >= request.pageSize;
    if (!more) return { records, cursor: finishSweep(cursor, high, request.overlapSeconds), more: false };
    const next = nextLink === null ? null : sameOriginLink(nextLink, request.baseUrl, 'Defender');
    return {
      records,
      cursor: { ...cursor, sweep: { ...position, next, skip: position.skip + alerts.length, high } },
      more: true,
    };
  },
};
