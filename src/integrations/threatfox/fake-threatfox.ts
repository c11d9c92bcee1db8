import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';

/** One IOC ThreatFox knows; everything but `ioc` gets a plausible default. */
export interface FakeThreatfoxIoc {
  ioc: string;
  iocType?: 'ip:port' | 'domain' | 'url' | 'md5_hash' | 'sha256_hash';
  threatType?: 'botnet_cc' | 'payload_delivery' | 'payload';
  malware?: string;
  malwarePrintable?: string;
  confidence?: number;
  tags?: string[] | null;
  /** Hashes of the samples this IOC is associated with (what `search_hash` finds it by). */
  samples?: string[];
}

export interface FakeThreatfoxOptions {
  /** The Auth-Key the fake accepts (default `test-auth-key`). */
  authKey?: string;
  iocs?: FakeThreatfoxIoc[];
  /** After this many requests every further one answers 429 (abuse.ch documents no quota; a stand-in). */
  requestsBeforeLimit?: number;
  /** Answers a request instead of the API when it returns a reply (fault injection, recorded samples). */
  intercept?: (request: FakeRequest) => FakeReply | undefined;
}

const DESCRIPTIONS: Record<string, string> = {
  botnet_cc: 'Indicator that identifies a botnet command&control server (C&C)',
  payload_delivery: 'Indicator that identifies a malware distribution server (payload delivery)',
  payload: 'Indicator that identifies a malware sample (payload)',
};

/**
 * A ThreatFox API v1 stand-in (https://threatfox.abuse.ch/api/): one endpoint, POST /api/v1/, with a JSON
 * body whose `query` names the operation (`search_ioc` with `search_term` and optional `exact_match`,
 * `search_hash` with `hash`), the `Auth-Key` header, and `query_status` answers (`ok`, `no_result`,
 * `illegal_search_term`, `illegal_hash`, `unknown_query`).
 */
export async function startFakeThreatfox(options: FakeThreatfoxOptions = {}): Promise<FakeServer> {
  const authKey = options.authKey ?? 'test-auth-key';
  const iocs = (options.iocs ?? []).map((i, n) => record(i, String(1_200_000 + n)));
  let served = 0;
  const noResult = { query_status: 'no_result', data: 'Your search did not yield any results' };

  return startFakeServer([
    [
      'POST',
      '/api/v1/',
      (request) => {
        const intercepted = options.intercept?.(request);
        if (intercepted) return intercepted;
        served++;
        if (options.requestsBeforeLimit !== undefined && served > options.requestsBeforeLimit)
          return { status: 429, headers: { 'retry-after': '60' }, text: 'Too Many Requests' };
        if (request.headers['auth-key'] !== authKey)
          return { status: 401, json: { query_status: 'unknown_auth_key' } };
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(request.body) as Record<string, unknown>;
        } catch {
          return { json: { query_status: 'unknown_query' } };
        }
        if (body['query'] === 'search_ioc') {
          const term = typeof body['search_term'] === 'string' ? body['search_term'].trim() : '';
          if (term.length < 3) return { json: { query_status: 'illegal_search_term' } };
          const exact = body['exact_match'] === true;
          const hits = iocs.filter((i) => (exact ? i.ioc === term : i.ioc.includes(term)));
          return {
            json: hits.length
              ? { query_status: 'ok', data: hits.map(({ samples: _, ...i }) => i) }
              : noResult,
          };
        }
        if (body['query'] === 'search_hash') {
          const hash = typeof body['hash'] === 'string' ? body['hash'].toLowerCase() : '';
          if (!/^([a-f0-9]{32}|[a-f0-9]{64})$/.test(hash)) return { json: { query_status: 'illegal_hash' } };
          const hits = iocs.filter((i) => i.ioc === hash || i.samples.includes(hash));
          return {
            json: hits.length
              ? { query_status: 'ok', data: hits.map(({ samples: _, ...i }) => i) }
              : noResult,
          };
        }
        return { json: { query_status: 'unknown_query' } };
      },
    ],
  ]);
}

function record(i: FakeThreatfoxIoc, id: string) {
  const iocType = i.iocType ?? guessType(i.ioc);
  const threatType = i.threatType ?? (iocType.endsWith('_hash') ? 'payload' : 'botnet_cc');
  return {
    id,
    ioc: i.ioc,
    threat_type: threatType,
    threat_type_desc: DESCRIPTIONS[threatType] ?? '',
    ioc_type: iocType,
    ioc_type_desc: `${iocType} indicator`,
    malware: i.malware ?? 'win.cobalt_strike',
    malware_printable: i.malwarePrintable ?? 'Cobalt Strike',
    malware_alias: null,
    malware_malpedia: `https://malpedia.caad.fkie.fraunhofer.de/details/${i.malware ?? 'win.cobalt_strike'}`,
    confidence_level: i.confidence ?? 75,
    first_seen: '2024-05-02 10:11:12 UTC',
    last_seen: null,
    reference: null,
    reporter: 'abuse_ch',
    tags: i.tags === undefined ? ['CobaltStrike'] : i.tags,
    samples: (i.samples ?? []).map((s) => s.toLowerCase()),
  };
}

function guessType(ioc: string): NonNullable<FakeThreatfoxIoc['iocType']> {
  if (/^https?:\/\//.test(ioc)) return 'url';
  if (/^[a-f0-9]{64}$/i.test(ioc)) return 'sha256_hash';
  if (/^[a-f0-9]{32}$/i.test(ioc)) return 'md5_hash';
  if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(ioc)) return 'ip:port';
  return 'domain';
}
