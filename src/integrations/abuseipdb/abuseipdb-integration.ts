import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { isIP } from 'node:net';
import { ActionError } from '../../core/action.ts';
import { ipObservable } from '../../core/observable.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { defineAction, defineIntegration } from '../sdk/integration.ts';
import { abuseIpdbCategoryName } from './abuseipdb-categories.ts';
import { abuseIpdbFinding } from './abuseipdb-verdict.ts';

/** Reports kept in the output: the newest ones; the full list (up to 10,000) is AbuseIPDB's to show. */
const RECENT_REPORTS = 10;

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const CheckIpInput = Type.Object(
  {
    ip: Type.String({
      minLength: 2,
      maxLength: 45,
      pattern: '^[0-9A-Fa-f:.]+$',
      description: 'IPv4 or IPv6',
    }),
    maxAgeInDays: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 365, default: 90, description: 'Only reports this recent count' }),
    ),
    verbose: Type.Optional(
      Type.Boolean({ default: true, description: 'Ask for the reports themselves (their categories)' }),
    ),
  },
  { additionalProperties: false },
);
export type CheckIpInput = Static<typeof CheckIpInput>;

export const CheckIpOutput = Type.Object({
  ipAddress: Type.String(),
  isPublic: Type.Boolean(),
  ipVersion: Type.Integer(),
  abuseConfidenceScore: Type.Integer({ minimum: 0, maximum: 100 }),
  totalReports: Type.Integer({ minimum: 0 }),
  numDistinctUsers: Type.Integer({ minimum: 0 }),
  countryCode: Nullable(Type.String()),
  countryName: Nullable(Type.String()),
  isp: Nullable(Type.String()),
  usageType: Nullable(Type.String()),
  domain: Nullable(Type.String()),
  hostnames: Type.Array(Type.String()),
  /** Null when AbuseIPDB did not say (older answers carry no isTor). */
  isTor: Nullable(Type.Boolean()),
  /** Null when AbuseIPDB did no whitelist lookup. */
  isWhitelisted: Nullable(Type.Boolean()),
  lastReportedAt: Nullable(Type.String()),
  /** Distinct categories of the returned reports (verbose only), by number and name. */
  reportCategories: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String() })),
  recentReports: Type.Array(
    Type.Object({
      reportedAt: Type.String(),
      categories: Type.Array(Type.Integer()),
      comment: Type.String(),
      reporterCountryCode: Nullable(Type.String()),
    }),
  ),
  link: Type.String(),
});
export type CheckIpOutput = Static<typeof CheckIpOutput>;

interface CheckBody {
  data?: Record<string, unknown>;
}

function invalid(message: string): ActionError {
  return new ActionError('invalid_response', `AbuseIPDB answered ${message}`, { retryable: false });
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const count = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0);

/** The documented `/check` answer, tolerant of fields older answers lack (`isTor`, `hostnames`). */
export function parseCheck(body: unknown): CheckIpOutput {
  const data = (body as CheckBody | null)?.data;
  if (!data || typeof data !== 'object') throw invalid('without a "data" object');
  const score = data['abuseConfidenceScore'];
  if (typeof data['ipAddress'] !== 'string' || typeof score !== 'number' || score < 0 || score > 100)
    throw invalid('a "data" object without ipAddress or abuseConfidenceScore');
  const reports = Array.isArray(data['reports']) ? (data['reports'] as Record<string, unknown>[]) : [];
  const parsedReports = reports
    .filter((r) => r && typeof r === 'object' && typeof r['reportedAt'] === 'string')
    .map((r) => ({
      reportedAt: r['reportedAt'] as string,
      categories: Array.isArray(r['categories'])
        ? (r['categories'] as unknown[]).filter((c): c is number => Number.isInteger(c))
        : [],
      comment: text(r['comment']) ?? '',
      reporterCountryCode: text(r['reporterCountryCode']),
    }))
    .sort((a, b) => b.reportedAt.localeCompare(a.reportedAt));
  const categoryIds = [...new Set(parsedReports.flatMap((r) => r.categories))].sort((a, b) => a - b);
  const ip = data['ipAddress'];
  return {
    ipAddress: ip,
    isPublic: data['isPublic'] !== false,
    ipVersion: data['ipVersion'] === 6 ? 6 : 4,
    abuseConfidenceScore: Math.round(score),
    totalReports: count(data['totalReports']),
    numDistinctUsers: count(data['numDistinctUsers']),
    countryCode: text(data['countryCode']),
    countryName: text(data['countryName']),
    isp: text(data['isp']),
    usageType: text(data['usageType']),
    domain: text(data['domain']),
    hostnames: Array.isArray(data['hostnames'])
      ? (data['hostnames'] as unknown[]).filter((h): h is string => typeof h === 'string')
      : [],
    isTor: typeof data['isTor'] === 'boolean' ? data['isTor'] : null,
    isWhitelisted: typeof data['isWhitelisted'] === 'boolean' ? data['isWhitelisted'] : null,
    lastReportedAt: text(data['lastReportedAt']),
    reportCategories: categoryIds.map((id) => ({ id, name: abuseIpdbCategoryName(id) })),
    recentReports: parsedReports.slice(0, RECENT_REPORTS),
    link: `https://www.abuseipdb.com/check/${encodeURIComponent(ip)}`,
  };
}

async function check(context: IntegrationContext, input: CheckIpInput): Promise<CheckIpOutput> {
  const ip = input.ip.trim();
  if (isIP(ip) === 0)
    throw new ActionError('invalid_input', `"${input.ip}" is not an IPv4 or IPv6 address`, {
      retryable: false,
    });
  const { body } = await context.http.getJson('/check', {
    ipAddress: ip,
    maxAgeInDays: input.maxAgeInDays ?? 90,
    // The documented flag is the parameter's presence; any value turns it on.
    verbose: input.verbose === false ? undefined : true,
  });
  return parseCheck(body);
}

export const abuseipdb = defineIntegration({
  id: 'abuseipdb',
  name: 'AbuseIPDB',
  version: '1.0.0',
  categories: ['threat_intel', 'enrichment'],
  docs: 'https://docs.abuseipdb.com/',
  baseUrl: 'https://api.abuseipdb.com/api/v2',
  credentials: [
    {
      name: 'api_key',
      label: 'API key (APIv2)',
      secret: true,
      required: true,
      description: 'From https://www.abuseipdb.com/account/api — an APIv1 key is refused.',
    },
  ],
  auth: { kind: 'header', header: 'Key', field: 'api_key' },
  // The free (Individual) plan: 1,000 checks a day. Paid plans raise it; the bucket is per instance.
  rateLimit: { requests: 1000, perSeconds: 86_400 },
  // No free endpoint exists: the cheapest authenticated call is a check, which spends one of the day's checks.
  testConnection: async (context) => {
    parseCheck((await context.http.getJson('/check', { ipAddress: '127.0.0.1', maxAgeInDays: 1 })).body);
  },
  actions: [
    defineAction({
      name: 'check_ip',
      title: 'Check an IP address',
      description:
        'Abuse confidence (0–100), report count, country, ISP, usage type, Tor and whitelist status, and the categories of recent reports.',
      effect: 'read',
      input: CheckIpInput,
      output: CheckIpOutput,
      cacheTtlSeconds: 6 * 3600,
      enrichment: {
        observable: (input) => ipObservable(input.ip),
        finding: (output) => abuseIpdbFinding(output),
      },
      run: (input, context) => check(context, input),
    }),
  ],
});
