import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';

/** One URL URLhaus tracks; everything but `url` gets a plausible default. */
export interface FakeUrlhausUrl {
  url: string;
  status?: 'online' | 'offline' | 'unknown';
  threat?: string;
  tags?: string[] | null;
  dateAdded?: string;
  reporter?: string;
  payloads?: FakeUrlhausPayload[];
}

export interface FakeUrlhausPayload {
  sha256: string;
  md5: string;
  filename?: string | null;
  fileType?: string;
  signature?: string | null;
  size?: number;
}

export interface FakeUrlhausOptions {
  /** The Auth-Key the fake accepts (default `test-auth-key`). */
  authKey?: string;
  urls?: FakeUrlhausUrl[];
  /** After this many requests every further one answers 429 (abuse.ch documents no quota; this is a stand-in). */
  requestsBeforeLimit?: number;
  /** Answers a request instead of the API when it returns a reply (fault injection, recorded samples). */
  intercept?: (request: FakeRequest) => FakeReply | undefined;
}

const DAY = '2024-05-02 10:11:12 UTC';

/**
 * A URLhaus API v1 stand-in (https://urlhaus-api.abuse.ch/): POST /v1/url/, /v1/host/ and /v1/payload/
 * with form bodies, the `Auth-Key` header, `query_status` answers (`ok`, `no_results`, `invalid_*`),
 * host and payload records derived from the URLs given. Field names follow the documented responses.
 */
export async function startFakeUrlhaus(options: FakeUrlhausOptions = {}): Promise<FakeServer> {
  const authKey = options.authKey ?? 'test-auth-key';
  const urls = (options.urls ?? []).map((u, i) => ({ ...u, id: String(3_000_000 + i) }));
  let served = 0;

  const guard = (handler: (form: URLSearchParams) => FakeReply) => (request: FakeRequest) => {
    const intercepted = options.intercept?.(request);
    if (intercepted) return intercepted;
    served++;
    if (options.requestsBeforeLimit !== undefined && served > options.requestsBeforeLimit)
      return { status: 429, headers: { 'retry-after': '60' }, text: 'Too Many Requests' };
    if (request.headers['auth-key'] !== authKey)
      return { status: 401, json: { query_status: 'unknown_auth_key' } };
    return handler(new URLSearchParams(request.body));
  };

  return startFakeServer([
    [
      'POST',
      '/v1/url/',
      guard((form) => {
        const wanted = form.get('url') ?? '';
        if (!/^https?:\/\/\S+$/i.test(wanted)) return { json: { query_status: 'invalid_url' } };
        const entry = urls.find((u) => u.url === wanted);
        return { json: entry ? urlRecord(entry) : { query_status: 'no_results' } };
      }),
    ],
    [
      'POST',
      '/v1/host/',
      guard((form) => {
        const host = (form.get('host') ?? '').toLowerCase();
        if (!/^[a-z0-9.:[\]-]+$/.test(host)) return { json: { query_status: 'invalid_host' } };
        const listed = urls.filter((u) => new URL(u.url).hostname === host);
        if (listed.length === 0) return { json: { query_status: 'no_results' } };
        return {
          json: {
            query_status: 'ok',
            urlhaus_reference: `https://urlhaus.abuse.ch/host/${host}/`,
            host,
            firstseen: listed.map((u) => u.dateAdded ?? DAY).sort()[0],
            url_count: String(listed.length),
            blacklists: { spamhaus_dbl: 'not listed', surbl: 'not listed' },
            urls: listed.map((u) => ({
              id: u.id,
              urlhaus_reference: `https://urlhaus.abuse.ch/url/${u.id}/`,
              url: u.url,
              url_status: u.status ?? 'online',
              date_added: u.dateAdded ?? DAY,
              threat: u.threat ?? 'malware_download',
              reporter: u.reporter ?? 'abuse_ch',
              larted: 'true',
              takedown_time_seconds: null,
              tags: u.tags === undefined ? ['elf'] : u.tags,
            })),
          },
        };
      }),
    ],
    [
      'POST',
      '/v1/payload/',
      guard((form) => {
        const md5 = form.get('md5_hash');
        const sha256 = form.get('sha256_hash');
        if (md5 !== null && !/^[a-f0-9]{32}$/i.test(md5)) return { json: { query_status: 'invalid_md5' } };
        if (sha256 !== null && !/^[a-f0-9]{64}$/i.test(sha256))
          return { json: { query_status: 'invalid_sha256' } };
        if (md5 === null && sha256 === null) return { json: { query_status: 'invalid_md5' } };
        const serving = urls.filter((u) =>
          u.payloads?.some((p) => p.md5 === md5?.toLowerCase() || p.sha256 === sha256?.toLowerCase()),
        );
        const payload = serving[0]?.payloads?.find(
          (p) => p.md5 === md5?.toLowerCase() || p.sha256 === sha256?.toLowerCase(),
        );
        if (!payload) return { json: { query_status: 'no_results' } };
        return {
          json: {
            query_status: 'ok',
            md5_hash: payload.md5,
            sha256_hash: payload.sha256,
            file_type: payload.fileType ?? 'exe',
            file_size: String(payload.size ?? 123_456),
            signature: payload.signature ?? null,
            firstseen: '2024-05-02 10:11:12',
            lastseen: null,
            url_count: String(serving.length),
            urlhaus_download: `https://urlhaus-api.abuse.ch/v1/download/${payload.sha256}/`,
            virustotal: null,
            imphash: null,
            ssdeep: null,
            tlsh: null,
            urls: serving.map((u) => ({
              url_id: u.id,
              url: u.url,
              url_status: u.status ?? 'online',
              urlhaus_reference: `https://urlhaus.abuse.ch/url/${u.id}/`,
              filename: payload.filename ?? null,
              firstseen: '2024-05-02',
              lastseen: null,
            })),
          },
        };
      }),
    ],
  ]);
}

function urlRecord(u: FakeUrlhausUrl & { id: string }) {
  return {
    query_status: 'ok',
    id: u.id,
    urlhaus_reference: `https://urlhaus.abuse.ch/url/${u.id}/`,
    url: u.url,
    url_status: u.status ?? 'online',
    host: new URL(u.url).hostname,
    date_added: u.dateAdded ?? DAY,
    last_online: null,
    threat: u.threat ?? 'malware_download',
    blacklists: { spamhaus_dbl: 'not listed', surbl: 'not listed' },
    reporter: u.reporter ?? 'abuse_ch',
    larted: 'true',
    takedown_time_seconds: null,
    tags: u.tags === undefined ? ['elf'] : u.tags,
    payloads: (u.payloads ?? []).map((p) => ({
      firstseen: '2024-05-02',
      filename: p.filename ?? null,
      file_type: p.fileType ?? 'exe',
      response_size: String(p.size ?? 123_456),
      response_md5: p.md5,
      response_sha256: p.sha256,
      urlhaus_download: `https://urlhaus-api.abuse.ch/v1/download/${p.sha256}/`,
      signature: p.signature ?? null,
      virustotal: null,
      imphash: null,
      ssdeep: null,
      tlsh: null,
    })),
  };
}
