import { isIP } from 'node:net';
import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';

/** One report against an address, in the documented `reports[]` shape. */
export interface FakeAbuseIpdbReport {
  reportedAt: string;
  comment?: string;
  categories: number[];
  reporterId: number;
  reporterCountryCode?: string;
  reporterCountryName?: string;
}

/** What the fake database knows about one address; counts and dates are derived from `reports`. */
export interface FakeAbuseIpdbAddress {
  abuseConfidenceScore: number;
  isWhitelisted?: boolean | null;
  countryCode?: string | null;
  countryName?: string | null;
  usageType?: string | null;
  isp?: string | null;
  domain?: string | null;
  hostnames?: string[];
  isTor?: boolean;
  reports?: FakeAbuseIpdbReport[];
}

/** A way for one address to misbehave, to test what the connector does with a broken answer. */
export type FakeAbuseIpdbFault = 'server_error' | 'html' | 'garbage' | 'wrong_shape';

export interface FakeAbuseIpdbOptions {
  /** The one key accepted in the `Key` header. */
  apiKey?: string;
  /** Known addresses; any other valid address answers as never reported. */
  addresses?: Record<string, FakeAbuseIpdbAddress>;
  /** Checks allowed per day before 429 (the free plan: 1,000). */
  dailyLimit?: number;
  faults?: Record<string, FakeAbuseIpdbFault>;
  /** The clock that ages reports out of `maxAgeInDays` and places the daily reset. */
  now?: () => Date;
}

export interface FakeAbuseIpdb extends FakeServer {
  /** The base URL an instance points at (`…/api/v2`). */
  baseUrl: string;
}

export const FAKE_ABUSEIPDB_KEY = 'fake-abuseipdb-key-0123456789abcdef';

// Bodies as AbuseIPDB sends them (401/429 recorded in CiscoSecurity/tr-05-serverless-abuseipdb; 422 per the docs).
const UNAUTHORIZED =
  'Authentication failed. You are either missing your API key or it is incorrect. Note: The APIv2 key differs from the APIv1 key.';
const errors = (status: number, detail: string, parameter?: string): FakeReply => ({
  status,
  json: { errors: [{ detail, status, ...(parameter ? { source: { parameter } } : {}) }] },
});

/** A stand-in for AbuseIPDB APIv2 `GET /api/v2/check`, with its auth, validation, quota headers and errors. */
export async function startFakeAbuseIpdb(options: FakeAbuseIpdbOptions = {}): Promise<FakeAbuseIpdb> {
  const apiKey = options.apiKey ?? FAKE_ABUSEIPDB_KEY;
  const limit = options.dailyLimit ?? 1000;
  const now = options.now ?? (() => new Date());
  let used = 0;

  const quotaHeaders = (): Record<string, string> => {
    const midnight = new Date(now());
    midnight.setUTCHours(24, 0, 0, 0);
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - used)),
      'x-ratelimit-reset': String(Math.floor(midnight.getTime() / 1000)),
      ...(used >= limit
        ? { 'retry-after': String(Math.ceil((midnight.getTime() - now().getTime()) / 1000)) }
        : {}),
    };
  };

  const check = (request: FakeRequest): FakeReply => {
    if (request.headers['key'] !== apiKey) return errors(401, UNAUTHORIZED);
    if (used >= limit)
      return {
        ...errors(
          429,
          `Daily rate limit of ${limit} requests exceeded for this endpoint. See headers for additional details.`,
        ),
        headers: quotaHeaders(),
      };
    used++;
    const ip = request.query.get('ipAddress') ?? '';
    const maxAge = Number(request.query.get('maxAgeInDays') ?? '30');
    if (isIP(ip) === 0)
      return errors(
        422,
        'The ip address must be a valid IPv4 or IPv6 address (e.g. 8.8.8.8 or 2001:4860:4860::8888).',
        'ipAddress',
      );
    if (!Number.isInteger(maxAge) || maxAge < 1 || maxAge > 365)
      return errors(422, 'The max age in days must be between 1 and 365.', 'maxAgeInDays');
    const fault = options.faults?.[ip];
    if (fault) {
      const reply = faultReply(fault);
      return { ...reply, headers: { ...quotaHeaders(), ...reply.headers } };
    }
    const data = record(ip, options.addresses?.[ip], maxAge, request.query.has('verbose'), now());
    return { json: { data }, headers: quotaHeaders() };
  };

  const server = await startFakeServer([['GET', '/api/v2/check', check]]);
  return Object.assign(server, { baseUrl: `${server.url}/api/v2` });
}

function record(
  ip: string,
  known: FakeAbuseIpdbAddress | undefined,
  maxAgeInDays: number,
  verbose: boolean,
  now: Date,
): Record<string, unknown> {
  const since = now.getTime() - maxAgeInDays * 86_400_000;
  const reports = (known?.reports ?? [])
    .filter((r) => Date.parse(r.reportedAt) >= since)
    .sort((a, b) => b.reportedAt.localeCompare(a.reportedAt));
  const isPublic = !/^(10\.|127\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|::1$|f[cd])/i.test(ip);
  // Field order as in the documented example; countryName and reports only with verbose.
  return {
    ipAddress: ip,
    isPublic,
    ipVersion: isIP(ip),
    isWhitelisted: known?.isWhitelisted ?? false,
    abuseConfidenceScore: reports.length > 0 || known?.isWhitelisted ? (known?.abuseConfidenceScore ?? 0) : 0,
    countryCode: known?.countryCode ?? null,
    ...(verbose ? { countryName: known?.countryName ?? null } : {}),
    usageType: known?.usageType ?? (isPublic ? null : 'Reserved'),
    isp: known?.isp ?? (isPublic ? null : 'Private IP Address LAN'),
    domain: known?.domain ?? null,
    hostnames: known?.hostnames ?? [],
    isTor: known?.isTor ?? false,
    totalReports: reports.length,
    numDistinctUsers: new Set(reports.map((r) => r.reporterId)).size,
    lastReportedAt: reports[0]?.reportedAt ?? null,
    ...(verbose
      ? {
          reports: reports.map((r) => ({
            reportedAt: r.reportedAt,
            comment: r.comment ?? '',
            categories: r.categories,
            reporterId: r.reporterId,
            reporterCountryCode: r.reporterCountryCode ?? 'US',
            reporterCountryName: r.reporterCountryName ?? 'United States of America',
          })),
        }
      : {}),
  };
}

function faultReply(fault: FakeAbuseIpdbFault): FakeReply {
  switch (fault) {
    case 'server_error':
      return {
        status: 500,
        text: '<html><body><h1>500 Server Error</h1></body></html>',
        headers: { 'content-type': 'text/html' },
      };
    case 'html':
      return {
        text: '<!DOCTYPE html><html><head><title>Maintenance</title></head><body>Back soon</body></html>',
        headers: { 'content-type': 'text/html; charset=UTF-8' },
      };
    case 'garbage':
      return { text: '{"data": {"ipAddress": "1.2.', headers: { 'content-type': 'application/json' } };
    case 'wrong_shape':
      return { json: { data: { ipAddress: 'x', abuseConfidenceScore: 'high' } } };
  }
}
