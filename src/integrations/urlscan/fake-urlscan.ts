import { createHash, randomUUID } from 'node:crypto';
import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';
import { compileQuery } from './fake-urlscan-query.ts';
import { resultDocument, searchHit, type FakeScanSeed, type StoredScan } from './fake-urlscan-objects.ts';

export type { FakeScanSeed };

/** urlscan keys are UUIDs; the fake refuses any other shape the way urlscan does. */
export const FAKE_URLSCAN_KEY = '5b1e4a8c-6f3d-4c2a-9e7b-0d1f2a3b4c5d';

export interface FakeUrlscanOptions {
  apiKey?: string;
  /** Finished scans already in the index. */
  scans?: FakeScanSeed[];
  /** Verdicts for URLs submitted to the fake (matched by the submitted URL). */
  verdicts?: Record<string, Omit<FakeScanSeed, 'url'>>;
  /** Result reads answered "Scan is not finished yet" after a submission (default 2). */
  pendingReads?: number;
  /** Requests allowed per window before 429 (default: no limit). */
  quota?: { requests: number; perSeconds?: number };
  /** Largest `size` a search accepts (default 10000). */
  maxSize?: number;
}

export type FakeUrlscanFault = 'internal' | 'html' | 'garbage';

export interface FakeUrlscan extends FakeServer {
  /** The API base a connector instance points at (`<url>/api/v1`). */
  apiBase: string;
  fail(fault: FakeUrlscanFault | null): void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const error = (
  status: number,
  message: string,
  description?: string,
  headers?: Record<string, string>,
): FakeReply => ({
  status,
  json: { message, ...(description ? { description } : {}), status },
  ...(headers ? { headers } : {}),
});

const FAULTS: Record<FakeUrlscanFault, FakeReply> = {
  internal: {
    status: 500,
    text: '<html><body><h1>500 Internal Server Error</h1></body></html>',
    headers: { 'content-type': 'text/html' },
  },
  html: {
    text: '<!DOCTYPE html><html><body>Checking your browser…</body></html>',
    headers: { 'content-type': 'text/html' },
  },
  garbage: { text: '{"results": [{"task": ', headers: { 'content-type': 'application/json' } },
};

/** A stable UUID for a seeded scan, so tests can name it. */
export function seededUuid(seed: FakeScanSeed, index: number): string {
  const h = createHash('sha256').update(`${index}:${seed.url}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * A stand-in for urlscan.io's API v1 on 127.0.0.1: `GET /api/v1/search/` with `search_after`
 * paging, `POST /api/v1/scan/`, `GET /api/v1/result/{uuid}/` (404 "Scan is not finished yet" for a
 * while after a submission), `GET /api/v1/quotas`; the `API-Key` header checked as urlscan does
 * (malformed → 400, unknown → 401, missing → anonymous search only), and `X-Rate-Limit-*` headers
 * with a 429 once the configured quota is spent.
 */
export async function startFakeUrlscan(options: FakeUrlscanOptions = {}): Promise<FakeUrlscan> {
  const key = options.apiKey ?? FAKE_URLSCAN_KEY;
  const scans = new Map<string, StoredScan>();
  (options.scans ?? []).forEach((seed, i) => {
    const uuid = seed.uuid ?? seededUuid(seed, i);
    const timeMs = seed.time ? Date.parse(seed.time) : Date.now() - i * 60_000;
    scans.set(uuid, { uuid, seed, timeMs, visibility: seed.visibility ?? 'public', pendingReads: 0 });
  });
  let fault: FakeUrlscanFault | null = null;
  let window = { start: Date.now(), used: 0 };
  let site = '';

  const rateHeaders = (action: string, remaining: number, resetMs: number, limit: number, scope: string) => ({
    'x-rate-limit-scope': scope,
    'x-rate-limit-action': action,
    'x-rate-limit-window': 'minute',
    'x-rate-limit-limit': String(limit),
    'x-rate-limit-remaining': String(Math.max(0, remaining)),
    'x-rate-limit-reset': new Date(resetMs).toISOString(),
    'x-rate-limit-reset-after': String(Math.max(0, Math.ceil((resetMs - Date.now()) / 1000))),
  });

  /** Key check, then quota, then the fault switch; a handler's reply gets the rate headers. */
  const guarded =
    (action: string, anonymous: boolean, handler: (r: FakeRequest) => FakeReply | Promise<FakeReply>) =>
    async (r: FakeRequest): Promise<FakeReply> => {
      const given = r.headers['api-key'];
      if (typeof given === 'string') {
        if (!UUID.test(given)) return error(400, 'Invalid API key format');
        if (given !== key) return error(401, 'API key supplied but not found in database!');
      } else if (!anonymous) {
        return action === 'retrieve'
          ? { status: 403, json: { warning: "You're not logged in!" } }
          : error(401, 'API key required', 'This API endpoint requires an API key.');
      }
      const scope = typeof given === 'string' ? 'user' : 'ip-address';
      const limit = options.quota?.requests ?? 1000;
      const perMs = (options.quota?.perSeconds ?? 60) * 1000;
      if (Date.now() - window.start >= perMs) window = { start: Date.now(), used: 0 };
      const reset = window.start + perMs;
      if (options.quota && window.used >= limit)
        return error(
          429,
          `Rate limit for action "${action}" exceeded`,
          undefined,
          rateHeaders(action, 0, reset, limit, scope),
        );
      if (fault) return FAULTS[fault];
      const reply = await handler(r);
      // Only successful requests count against a urlscan quota.
      if ((reply.status ?? 200) === 200) window.used++;
      return {
        ...reply,
        headers: { ...reply.headers, ...rateHeaders(action, limit - window.used, reset, limit, scope) },
      };
    };

  const searchRoute = (r: FakeRequest): FakeReply => {
    const size = Number(r.query.get('size') ?? 100);
    if (!Number.isInteger(size) || size < 1 || size > (options.maxSize ?? 10_000))
      return error(400, 'Invalid size', `size must be between 1 and ${options.maxSize ?? 10_000}`);
    const match = compileQuery(r.query.get('q') ?? '*');
    const ordered = [...scans.values()]
      .filter((s) => s.visibility === 'public' && s.pendingReads === 0)
      .filter((s) =>
        match({
          taskUrl: s.seed.url,
          pageUrl: s.seed.finalUrl ?? s.seed.url,
          domain: URL.parse(s.seed.finalUrl ?? s.seed.url)?.hostname ?? '',
          ip: s.seed.ip ?? '192.0.2.10',
          country: s.seed.country ?? 'DE',
          uuid: s.uuid,
          timeMs: s.timeMs,
        }),
      )
      .sort((a, b) => b.timeMs - a.timeMs || (a.uuid < b.uuid ? 1 : -1));
    let from = 0;
    const after = r.query.get('search_after');
    if (after) {
      const [t, u] = after.split(',');
      if (!t || !u || !Number.isFinite(Number(t))) return error(400, 'Invalid search_after value');
      from = ordered.findIndex((s) => s.timeMs < Number(t) || (s.timeMs === Number(t) && s.uuid < u));
      if (from < 0) from = ordered.length;
    }
    const page = ordered.slice(from, from + size);
    return {
      json: {
        results: page.map((s) => searchHit(site, s)),
        total: Math.min(ordered.length, 10_000),
        took: 3,
        has_more: from + page.length < ordered.length,
      },
    };
  };

  const submitRoute = (r: FakeRequest): FakeReply => {
    let body: { url?: unknown; visibility?: unknown; tags?: unknown };
    try {
      body = JSON.parse(r.body) as typeof body;
    } catch {
      return error(400, 'Invalid JSON body');
    }
    if (typeof body.url !== 'string' || body.url === '')
      return error(400, 'Missing URL properties', 'The url property is required');
    const visibility = body.visibility ?? 'public';
    if (visibility !== 'public' && visibility !== 'unlisted' && visibility !== 'private')
      return error(400, 'Invalid visibility', 'visibility must be public, unlisted or private');
    const uuid = randomUUID();
    const tags = Array.isArray(body.tags) ? body.tags.filter((t): t is string => typeof t === 'string') : [];
    const seed = { ...options.verdicts?.[body.url], url: body.url, tags };
    scans.set(uuid, { uuid, seed, timeMs: Date.now(), visibility, pendingReads: options.pendingReads ?? 2 });
    return {
      json: {
        message: 'Submission successful',
        uuid,
        result: `${site}/result/${uuid}/`,
        api: `${site}/api/v1/result/${uuid}/`,
        visibility,
        url: body.url,
        options: { useragent: 'Mozilla/5.0' },
      },
    };
  };

  const resultRoute = (r: FakeRequest): FakeReply => {
    const scan = scans.get(r.params['uuid']!);
    if (!scan) return error(404, 'No such scan submission');
    if (scan.pendingReads > 0) {
      scan.pendingReads--;
      return error(404, 'Scan is not finished yet');
    }
    return { json: resultDocument(site, scan) };
  };

  const quotas = (): FakeReply => {
    const period = (limit: number) => ({ limit, used: 0, remaining: limit, percent: 0 });
    const action = (minute: number) => ({
      minute: period(minute),
      hour: period(minute * 10),
      day: period(minute * 100),
    });
    return {
      json: {
        source: 'user',
        limits: {
          public: action(60),
          unlisted: action(60),
          private: action(10),
          retrieve: action(120),
          search: action(120),
        },
      },
    };
  };

  const server = await startFakeServer([
    ['GET', '/api/v1/search/', guarded('search', true, searchRoute)],
    ['POST', '/api/v1/scan/', guarded('public', false, submitRoute)],
    ['GET', '/api/v1/result/:uuid/', guarded('retrieve', false, resultRoute)],
    ['GET', '/api/v1/quotas', guarded('quotas', true, quotas)],
    ['GET', '/*', () => error(404, 'Not Found')],
    ['POST', '/*', () => error(404, 'Not Found')],
  ]);
  site = server.url;
  return {
    ...server,
    apiBase: `${server.url}/api/v1`,
    fail: (next) => {
      fault = next;
    },
  };
}
