import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';
import {
  domainObject,
  fileObject,
  hashesOf,
  ipObject,
  resultsFor,
  sha256Of,
  statsFor,
  urlObject,
  type FakeDomainSeed,
  type FakeFileSeed,
  type FakeIpSeed,
  type FakeUrlSeed,
  type FakeVerdictSeed,
} from './fake-virustotal-objects.ts';

export type { FakeDomainSeed, FakeFileSeed, FakeIpSeed, FakeUrlSeed };

export const FAKE_VT_KEY = 'fake-vt-key-0123456789abcdef';

export type AnalysisStatus = 'queued' | 'in-progress' | 'completed';

export interface FakeVirusTotalOptions {
  apiKey?: string;
  /** Engines in every analysis (default 70). */
  engines?: number;
  files?: FakeFileSeed[];
  ips?: Record<string, FakeIpSeed>;
  domains?: Record<string, FakeDomainSeed>;
  /** Keyed by the URL as submitted. */
  urls?: Record<string, FakeUrlSeed>;
  /** Requests a key may make per window before `QuotaExceededError` (default: no limit). */
  quota?: { requests: number; perSeconds?: number };
  /** What successive polls of an analysis answer; the last one repeats (default queued → in-progress → completed). */
  analysisSteps?: readonly AnalysisStatus[];
}

/** Ways to make the fake misbehave, for the error paths. */
export type FakeVtFault = 'transient' | 'internal' | 'html' | 'garbage' | 'wrong_shape';

export interface FakeVirusTotal extends FakeServer {
  /** The API base a connector instance points at (`<url>/api/v3`). */
  apiBase: string;
  /** Every request answers with this fault until cleared with null. */
  fail(fault: FakeVtFault | null): void;
}

interface Analysis {
  kind: 'file' | 'url';
  polls: number;
  seed: FakeVerdictSeed;
  itemId: string;
  meta: Record<string, unknown>;
  date: number;
}

const vtError = (status: number, code: string, message: string): FakeReply => ({
  status,
  json: { error: { code, message } },
});

const notFound = (what: string) => vtError(404, 'NotFoundError', `${what} not found`);

const FAULTS: Record<FakeVtFault, FakeReply> = {
  transient: vtError(503, 'TransientError', 'Transient error, retry later'),
  internal: { status: 500, text: 'Internal Server Error' },
  html: {
    text: '<!DOCTYPE html><html><body>Sign in</body></html>',
    headers: { 'content-type': 'text/html' },
  },
  garbage: { text: '{"data": {"id": "x", "attri', headers: { 'content-type': 'application/json' } },
  wrong_shape: { json: { data: 'nothing here' } },
};

/**
 * A stand-in for the VirusTotal API v3 on 127.0.0.1: the documented paths under `/api/v3`, the
 * `x-apikey` header check, `{error: {code, message}}` bodies, a per-key quota answering 429
 * `QuotaExceededError`, and analyses that move queued → in-progress → completed as they are polled.
 */
export async function startFakeVirusTotal(options: FakeVirusTotalOptions = {}): Promise<FakeVirusTotal> {
  const key = options.apiKey ?? FAKE_VT_KEY;
  const engines = options.engines ?? 70;
  const steps = options.analysisSteps ?? ['queued', 'in-progress', 'completed'];
  const files = new Map<string, FakeFileSeed>();
  const addFile = (seed: FakeFileSeed) => {
    const h = hashesOf(seed.content);
    for (const id of [h.md5, h.sha1, h.sha256]) files.set(id, seed);
  };
  (options.files ?? []).forEach(addFile);
  const ips = new Map(Object.entries(options.ips ?? {}));
  const domains = new Map(Object.entries(options.domains ?? {}));
  const urls = new Map<string, { url: string; seed: FakeUrlSeed }>();
  const addUrl = (url: string, seed: FakeUrlSeed) => urls.set(sha256Of(url), { url, seed });
  for (const [url, seed] of Object.entries(options.urls ?? {})) addUrl(url, seed);
  const analyses = new Map<string, Analysis>();
  let fault: FakeVtFault | null = null;
  let window = { start: Date.now(), used: 0 };
  let base = '';

  /** Auth, then quota, then the fault switch: in the order VirusTotal would refuse a request. */
  const gate = (r: FakeRequest): FakeReply | null => {
    const given = r.headers['x-apikey'];
    if (given === undefined) return vtError(401, 'AuthenticationRequiredError', 'X-Apikey header is missing');
    if (given !== key) return vtError(401, 'WrongCredentialsError', 'Wrong API key');
    if (options.quota) {
      const perMs = (options.quota.perSeconds ?? 60) * 1000;
      if (Date.now() - window.start >= perMs) window = { start: Date.now(), used: 0 };
      if (++window.used > options.quota.requests) return vtError(429, 'QuotaExceededError', 'Quota exceeded');
    }
    return fault ? FAULTS[fault] : null;
  };
  const guarded =
    (handler: (r: FakeRequest) => FakeReply | Promise<FakeReply>) =>
    async (r: FakeRequest): Promise<FakeReply> =>
      gate(r) ?? handler(r);

  /** A URL id is the SHA-256 of the URL or its unpadded base64url form. */
  const urlById = (id: string) => {
    if (/^[0-9a-f]{64}$/.test(id)) return urls.get(id);
    if (!/^[A-Za-z0-9_-]+$/.test(id)) return undefined;
    return urls.get(sha256Of(Buffer.from(id, 'base64url').toString('utf8')));
  };

  const analysisReply = (id: string, a: Analysis): FakeReply => {
    const status = steps[Math.min(a.polls++, steps.length - 1)] ?? 'completed';
    const kind = a.kind === 'file' ? 'file' : 'other';
    const stats =
      status === 'completed'
        ? statsFor(a.seed, engines, kind)
        : Object.fromEntries(Object.keys(statsFor({}, engines, kind)).map((k) => [k, 0]));
    return {
      json: {
        data: {
          id,
          type: 'analysis',
          links: {
            self: `${base}/analyses/${id}`,
            item: `${base}/${a.kind === 'file' ? 'files' : 'urls'}/${a.itemId}`,
          },
          attributes: {
            stats,
            date: a.date,
            status,
            results: status === 'completed' ? resultsFor(stats, kind) : {},
          },
        },
        meta: a.meta,
      },
    };
  };

  const submitted = (id: string): FakeReply => ({
    json: { data: { type: 'analysis', id, links: { self: `${base}/analyses/${id}` } } },
  });

  const server = await startFakeServer([
    [
      'GET',
      '/api/v3/files/:id',
      guarded((r) => {
        const seed = files.get(r.params['id']!.toLowerCase());
        return seed ? { json: fileObject(base, seed, engines) } : notFound(`File "${r.params['id']}"`);
      }),
    ],
    [
      'GET',
      '/api/v3/ip_addresses/:ip',
      guarded((r) => {
        const seed = ips.get(r.params['ip']!);
        return seed
          ? { json: ipObject(base, r.params['ip']!, seed, engines) }
          : notFound(`Resource "${r.params['ip']}"`);
      }),
    ],
    [
      'GET',
      '/api/v3/domains/:domain',
      guarded((r) => {
        const seed = domains.get(r.params['domain']!);
        return seed
          ? { json: domainObject(base, r.params['domain']!, seed, engines) }
          : notFound(`Domain "${r.params['domain']}"`);
      }),
    ],
    [
      'GET',
      '/api/v3/urls/:id',
      guarded((r) => {
        const known = urlById(r.params['id']!);
        return known
          ? { json: urlObject(base, known.url, known.seed, engines) }
          : notFound(`URL "${r.params['id']}"`);
      }),
    ],
    [
      'POST',
      '/api/v3/urls',
      guarded((r) => {
        const url = new URLSearchParams(r.body).get('url');
        if (!url) return vtError(400, 'BadRequestError', 'The "url" parameter is required');
        const date = Math.floor(Date.now() / 1000);
        const itemId = sha256Of(url);
        const id = `u-${itemId}-${date}`;
        const seed = urls.get(itemId)?.seed ?? {};
        analyses.set(id, {
          kind: 'url',
          polls: 0,
          seed,
          itemId,
          meta: { url_info: { id: itemId, url } },
          date,
        });
        if (!urls.has(itemId)) addUrl(url, seed);
        return submitted(id);
      }),
    ],
    [
      'POST',
      '/api/v3/files',
      guarded(async (r) => {
        const type = String(r.headers['content-type'] ?? '');
        if (!type.startsWith('multipart/form-data'))
          return vtError(400, 'BadRequestError', 'Expected a multipart/form-data upload');
        const form = await new Response(r.body, { headers: { 'content-type': type } }).formData();
        const file = form.get('file');
        if (!(file instanceof Blob)) return vtError(400, 'BadRequestError', 'The "file" field is required');
        // The fake-server helper hands bodies over as UTF-8 text, so hashes are right for text uploads.
        const content = Buffer.from(await file.arrayBuffer()).toString('utf8');
        const h = hashesOf(content);
        const date = Math.floor(Date.now() / 1000);
        const id = Buffer.from(`${h.md5}:${date}`).toString('base64');
        const seed = files.get(h.sha256) ?? { content };
        analyses.set(id, { kind: 'file', polls: 0, seed, itemId: h.sha256, meta: { file_info: h }, date });
        if (!files.has(h.sha256)) addFile(seed);
        return submitted(id);
      }),
    ],
    [
      'GET',
      '/api/v3/analyses/:id',
      guarded((r) => {
        const a = analyses.get(r.params['id']!);
        return a ? analysisReply(r.params['id']!, a) : notFound(`Analysis "${r.params['id']}"`);
      }),
    ],
  ]);
  base = `${server.url}/api/v3`;
  return {
    ...server,
    apiBase: base,
    fail: (next) => {
      fault = next;
    },
  };
}
