import { Type } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import { observable } from '../../core/observable.ts';
import { defineAction } from '../sdk/integration.ts';
import { GUI, invalidResponse, nullable, num, record, str, urlscanRequest } from './urlscan-api.ts';
import { ResultSchema, absent, readResult } from './urlscan-result.ts';
import { findingOf } from './urlscan-verdict.ts';

/**
 * `GET /search/?q=…&size=…&search_after=…`: an Elasticsearch query over past public scans, newest
 * first. The next page starts after the last hit's `sort` values, joined by commas.
 */

const HitSchema = Type.Object({
  uuid: Type.String(),
  url: nullable(Type.String()),
  submittedUrl: nullable(Type.String()),
  domain: nullable(Type.String()),
  ip: nullable(Type.String()),
  country: nullable(Type.String()),
  title: nullable(Type.String()),
  time: nullable(Type.String()),
  visibility: nullable(Type.String()),
  reportUrl: Type.String(),
  screenshotUrl: nullable(Type.String()),
  /** Search hits carry a verdict on urlscan Pro only. */
  malicious: nullable(Type.Boolean()),
  urlscanScore: nullable(Type.Number()),
});

type Hit = typeof HitSchema.static;

interface Page {
  hits: Hit[];
  total: number;
  hasMore: boolean;
  cursor: string | null;
  took: number | null;
}

function hitOf(raw: unknown): Hit & { sort: unknown[] } {
  const h = record(raw);
  const task = record(h['task']);
  const page = record(h['page']);
  const verdicts = record(h['verdicts']);
  const uuid = str(h['_id']) ?? str(task['uuid']);
  if (!uuid) throw invalidResponse('a search hit', raw);
  return {
    uuid,
    url: str(page['url']) ?? str(task['url']),
    submittedUrl: str(task['url']),
    domain: str(page['domain']),
    ip: str(page['ip']),
    country: str(page['country']),
    title: str(page['title']),
    time: str(task['time']),
    visibility: str(task['visibility']),
    reportUrl: `${GUI}/result/${uuid}/`,
    screenshotUrl: str(h['screenshot']),
    malicious: typeof verdicts['malicious'] === 'boolean' ? verdicts['malicious'] : null,
    urlscanScore: num(verdicts['score']),
    sort: Array.isArray(h['sort']) ? h['sort'] : [],
  };
}

async function searchPage(
  http: Parameters<typeof urlscanRequest>[0],
  q: string,
  size: number,
  searchAfter?: string,
): Promise<Page> {
  const { body } = await urlscanRequest(http, {
    path: '/search/',
    query: { q, size, search_after: searchAfter },
  });
  const b = record(body);
  if (!Array.isArray(b['results'])) throw invalidResponse('a search', body);
  const hits = b['results'].map(hitOf);
  const last = hits.at(-1);
  const hasMore = typeof b['has_more'] === 'boolean' ? b['has_more'] : hits.length >= size;
  return {
    hits: hits.map(({ sort: _sort, ...hit }) => hit),
    total: num(b['total']) ?? hits.length,
    hasMore,
    cursor: hasMore && last && last.sort.length ? last.sort.map(String).join(',') : null,
    took: num(b['took']),
  };
}

export const search = defineAction({
  name: 'search',
  title: 'Search scans',
  description:
    'Searches past urlscan.io scans with its query language (e.g. page.domain:example.com), newest first; pass the returned cursor as search_after for the next page.',
  effect: 'read',
  input: Type.Object({
    q: Type.String({ minLength: 1, maxLength: 4096 }),
    size: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10_000, description: 'Hits per page (default 100).' }),
    ),
    search_after: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  }),
  output: Type.Object({
    results: Type.Array(HitSchema),
    total: Type.Integer({ minimum: 0 }),
    hasMore: Type.Boolean(),
    cursor: nullable(Type.String()),
    took: nullable(Type.Number()),
  }),
  timeoutMs: 60_000,
  cacheTtlSeconds: 10 * 60,
  async run(input, context) {
    const page = await searchPage(context.http, input.q, input.size ?? 100, input.search_after);
    return {
      results: page.hits,
      total: page.total,
      hasMore: page.hasMore,
      cursor: page.cursor,
      took: page.took,
    };
  },
});

/** A phrase in urlscan's (Elasticsearch) query syntax: inside quotes only `"` and `\` are special. */
export const quoted = (value: string) => `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

export const lookupUrl = defineAction({
  name: 'lookup_url',
  title: 'Look up a URL',
  description:
    'The verdict of the newest urlscan.io scan of a URL (submitted or landed on) within max_age_days, without starting a scan.',
  effect: 'read',
  input: Type.Object({
    url: Type.String({ minLength: 1, maxLength: 4096 }),
    max_age_days: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 3650, description: 'Ignore scans older than this (default 30).' }),
    ),
  }),
  output: Type.Object({ ...ResultSchema.properties, scans: Type.Integer({ minimum: 0 }) }),
  timeoutMs: 60_000,
  cacheTtlSeconds: 60 * 60,
  enrichment: { observable: (input) => observable('url', input.url), finding: findingOf },
  async run(input, context) {
    const url = observable('url', input.url)?.value;
    if (!url)
      throw new ActionError('invalid_input', `"${input.url}" is not an absolute URL (scheme://host/…)`, {
        retryable: false,
      });
    const q = `(task.url:${quoted(url)} OR page.url:${quoted(url)}) AND date:>now-${input.max_age_days ?? 30}d`;
    const page = await searchPage(context.http, q, 1);
    const newest = page.hits[0];
    if (!newest)
      return { ...absent('', 'not_found'), reportUrl: `${GUI}/search/#${encodeURIComponent(url)}`, scans: 0 };
    const found = await readResult(context.http, newest.uuid);
    // A scan the index lists but whose result is not readable yet says nothing about the URL.
    const summary = found === 'pending' ? absent(newest.uuid, 'not_found') : found;
    return { ...summary, scans: page.total };
  },
});
