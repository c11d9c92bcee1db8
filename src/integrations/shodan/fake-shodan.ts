import { isIP } from 'node:net';
import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';

/** One service Shodan saw on a host (a banner, reduced to what the fake needs). */
export interface FakeShodanService {
  port: number;
  transport?: 'tcp' | 'udp';
  product?: string;
  version?: string;
  banner?: string;
  /** CVEs for this banner; the host's top-level `vulns` is their union. */
  vulns?: string[];
  timestamp?: string;
}

export interface FakeShodanHost {
  hostnames?: string[];
  domains?: string[];
  org?: string;
  isp?: string;
  asn?: string;
  country_code?: string;
  country_name?: string;
  city?: string | null;
  os?: string | null;
  tags?: string[];
  last_update?: string;
  services: FakeShodanService[];
}

export type FakeShodanFault = 'server_error' | 'html' | 'garbage';

export interface FakeShodanOptions {
  /** The one key accepted in the `key` query parameter. */
  apiKey?: string;
  hosts?: Record<string, FakeShodanHost>;
  /** Requests allowed (over the fake's life) before 429, standing in for the 1 request/second limit. */
  requestLimit?: number;
  faults?: Record<string, FakeShodanFault>;
}

export const FAKE_SHODAN_KEY = 'FakeShodanKey0123456789abcdefABCD';

// Shodan's nginx answers a missing or wrong key with its default HTML 401 page (shodan-python
// special-cases exactly this: "it's probably the 401 page that nginx returns").
const NGINX_401 =
  '<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/** A stand-in for the Shodan REST API: `GET /shodan/host/{ip}` and `GET /api-info`, key in the query. */
export async function startFakeShodan(options: FakeShodanOptions = {}): Promise<FakeServer> {
  const apiKey = options.apiKey ?? FAKE_SHODAN_KEY;
  const limit = options.requestLimit ?? Number.POSITIVE_INFINITY;
  let used = 0;

  const guard = (request: FakeRequest): FakeReply | null => {
    if (request.query.get('key') !== apiKey)
      return { status: 401, text: NGINX_401, headers: { 'content-type': 'text/html' } };
    if (used >= limit)
      return {
        status: 429,
        json: {
          error:
            'Request rate limit reached (1 request/ second). Please wait a second before trying again and slow down your API calls.',
        },
      };
    used++;
    return null;
  };

  const host = (request: FakeRequest): FakeReply => {
    const refused = guard(request);
    if (refused) return refused;
    const ip = request.params['ip'] ?? '';
    if (isIP(ip) === 0) return { status: 400, json: { error: 'Invalid IP' } };
    const fault = options.faults?.[ip];
    if (fault) return faultReply(fault);
    const known = options.hosts?.[ip];
    if (!known) return { status: 404, json: { error: 'No information available for that IP.' } };
    const minify = request.query.get('minify') === 'true';
    return { json: hostBody(ip, known, minify) };
  };

  const apiInfo = (request: FakeRequest): FakeReply =>
    guard(request) ?? {
      json: {
        scan_credits: 100,
        usage_limits: { scan_credits: 100, query_credits: 100, monitored_ips: 16 },
        plan: 'dev',
        https: false,
        unlocked: true,
        query_credits: 100,
        monitored_ips: 0,
        unlocked_left: 100,
        telnet: false,
      },
    };

  return startFakeServer([
    ['GET', '/shodan/host/:ip', host],
    ['GET', '/api-info', apiInfo],
  ]);
}

function ipToInt(ip: string): number | undefined {
  if (isIP(ip) !== 4) return undefined;
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** The documented host shape; `data` holds one banner per service, and is left out when minified. */
function hostBody(ip: string, host: FakeShodanHost, minify: boolean): Record<string, unknown> {
  const vulns = [...new Set(host.services.flatMap((s) => s.vulns ?? []))];
  const location = {
    city: host.city ?? null,
    region_code: null,
    area_code: null,
    longitude: 0,
    latitude: 0,
    country_code: host.country_code ?? null,
    country_name: host.country_name ?? null,
    postal_code: null,
    dma_code: null,
  };
  return {
    region_code: null,
    ip: ipToInt(ip),
    postal_code: null,
    country_code: host.country_code ?? null,
    city: host.city ?? null,
    dma_code: null,
    last_update: host.last_update ?? '2024-04-30T08:15:02.123456',
    latitude: 0,
    tags: host.tags ?? [],
    area_code: null,
    country_name: host.country_name ?? null,
    hostnames: host.hostnames ?? [],
    org: host.org ?? null,
    asn: host.asn ?? null,
    isp: host.isp ?? null,
    longitude: 0,
    domains: host.domains ?? [],
    ip_str: ip,
    os: host.os ?? null,
    ports: host.services.map((s) => s.port),
    ...(vulns.length > 0 ? { vulns } : {}),
    ...(minify
      ? {}
      : {
          data: host.services.map((s) => ({
            port: s.port,
            transport: s.transport ?? 'tcp',
            ...(s.product ? { product: s.product } : {}),
            ...(s.version ? { version: s.version } : {}),
            data: s.banner ?? '',
            timestamp: s.timestamp ?? '2024-04-30T08:15:02.123456',
            ip: ipToInt(ip),
            ip_str: ip,
            hostnames: host.hostnames ?? [],
            domains: host.domains ?? [],
            org: host.org ?? null,
            isp: host.isp ?? null,
            asn: host.asn ?? null,
            os: host.os ?? null,
            location,
            _shodan: {
              module: s.product?.toLowerCase().split(' ')[0] ?? 'unknown',
              crawler: 'fake',
              id: `${ip}:${s.port}`,
            },
            ...(s.vulns?.length
              ? {
                  vulns: Object.fromEntries(
                    s.vulns.map((cve) => [cve, { verified: false, cvss: 7.5, references: [], summary: '' }]),
                  ),
                }
              : {}),
          })),
        }),
  };
}

function faultReply(fault: FakeShodanFault): FakeReply {
  switch (fault) {
    case 'server_error':
      return { status: 503, json: { error: 'The service is temporarily unavailable.' } };
    case 'html':
      return {
        text: '<!DOCTYPE html><html><body>Shodan is down for maintenance</body></html>',
        headers: { 'content-type': 'text/html' },
      };
    case 'garbage':
      return { text: 'ip_str=1.2.3.4;ports=22', headers: { 'content-type': 'application/json' } };
  }
}
