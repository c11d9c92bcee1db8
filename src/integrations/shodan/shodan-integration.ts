import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { isIP } from 'node:net';
import { ActionError } from '../../core/action.ts';
import { ipObservable } from '../../core/observable.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { defineAction, defineIntegration } from '../sdk/integration.ts';
import { shodanFinding } from './shodan-verdict.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const HostInput = Type.Object(
  {
    ip: Type.String({
      minLength: 2,
      maxLength: 45,
      pattern: '^[0-9A-Fa-f:.]+$',
      description: 'IPv4 or IPv6',
    }),
    history: Type.Optional(Type.Boolean({ default: false, description: 'Include historical banners' })),
  },
  { additionalProperties: false },
);
export type HostInput = Static<typeof HostInput>;

export const HostOutput = Type.Object({
  ip: Type.String(),
  /** False when Shodan has no information on the address (its 404 answer). */
  observed: Type.Boolean(),
  ports: Type.Array(Type.Integer()),
  hostnames: Type.Array(Type.String()),
  domains: Type.Array(Type.String()),
  org: Nullable(Type.String()),
  isp: Nullable(Type.String()),
  asn: Nullable(Type.String()),
  countryCode: Nullable(Type.String()),
  countryName: Nullable(Type.String()),
  city: Nullable(Type.String()),
  os: Nullable(Type.String()),
  /** CVE ids Shodan associates with the software it saw (inferred from versions, not tested). */
  vulns: Type.Array(Type.String()),
  tags: Type.Array(Type.String()),
  lastUpdate: Nullable(Type.String()),
  /** One line per banner: what answers on which port. */
  services: Type.Array(
    Type.Object({
      port: Type.Integer(),
      transport: Type.String(),
      product: Nullable(Type.String()),
      version: Nullable(Type.String()),
    }),
  ),
  link: Type.String(),
});
export type HostOutput = Static<typeof HostOutput>;

function invalid(message: string): ActionError {
  return new ActionError('invalid_response', `Shodan answered ${message}`, { retryable: false });
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

export function unobservedHost(ip: string): HostOutput {
  return {
    ip,
    observed: false,
    ports: [],
    hostnames: [],
    domains: [],
    org: null,
    isp: null,
    asn: null,
    countryCode: null,
    countryName: null,
    city: null,
    os: null,
    vulns: [],
    tags: [],
    lastUpdate: null,
    services: [],
    link: `https://www.shodan.io/host/${ip}`,
  };
}

/** The documented `/shodan/host/{ip}` answer. `vulns` is a list at the top level (a map inside banners). */
export function parseHost(ip: string, body: unknown): HostOutput {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw invalid('with a body that is not an object');
  const b = body as Record<string, unknown>;
  if (typeof b['error'] === 'string') throw invalid(`with an error: ${b['error']}`);
  if (!Array.isArray(b['ports'])) throw invalid('a host without its "ports" list');
  const rawVulns = b['vulns'];
  const vulns = Array.isArray(rawVulns)
    ? strings(rawVulns)
    : rawVulns && typeof rawVulns === 'object'
      ? Object.keys(rawVulns)
      : [];
  const banners = Array.isArray(b['data']) ? (b['data'] as Record<string, unknown>[]) : [];
  return {
    ...unobservedHost(text(b['ip_str']) ?? ip),
    observed: true,
    ports: (b['ports'] as unknown[]).filter((p): p is number => Number.isInteger(p)).sort((x, y) => x - y),
    hostnames: strings(b['hostnames']),
    domains: strings(b['domains']),
    org: text(b['org']),
    isp: text(b['isp']),
    asn: text(b['asn']),
    countryCode: text(b['country_code']),
    countryName: text(b['country_name']),
    city: text(b['city']),
    os: text(b['os']),
    vulns: [...new Set(vulns.map((v) => v.toUpperCase()))].sort(),
    tags: strings(b['tags']),
    lastUpdate: text(b['last_update']),
    services: banners
      .filter((d) => d && Number.isInteger(d['port']))
      .map((d) => ({
        port: d['port'] as number,
        transport: text(d['transport']) ?? 'tcp',
        product: text(d['product']),
        version: text(d['version']),
      })),
  };
}

async function host(context: IntegrationContext, input: HostInput): Promise<HostOutput> {
  const ip = input.ip.trim();
  if (isIP(ip) === 0)
    throw new ActionError('invalid_input', `"${input.ip}" is not an IPv4 or IPv6 address`, {
      retryable: false,
    });
  const { status, body } = await context.http.getJson(
    `/shodan/host/${encodeURIComponent(ip)}`,
    { history: input.history ? true : undefined },
    [404],
  );
  // 404 {"error": "No information available for that IP."} is an answer: Shodan has not seen it.
  // A 404 without that body is a wrong base URL, which must not pass for "nothing known".
  if (status === 404) {
    if (typeof (body as { error?: unknown } | null)?.error !== 'string')
      throw invalid('404 without an "error"');
    return unobservedHost(ip);
  }
  return parseHost(ip, body);
}

export const shodan = defineIntegration({
  id: 'shodan',
  name: 'Shodan',
  version: '1.0.0',
  categories: ['threat_intel', 'enrichment', 'attack_surface'],
  docs: 'https://developer.shodan.io/api',
  baseUrl: 'https://api.shodan.io',
  credentials: [
    {
      name: 'api_key',
      label: 'API key',
      secret: true,
      required: true,
      description: 'From https://account.shodan.io — host lookups spend no query credits.',
    },
  ],
  auth: { kind: 'query', param: 'key', field: 'api_key' },
  // Shodan's REST API allows about one request per second per key.
  rateLimit: { requests: 1, perSeconds: 1 },
  // /api-info is free and answers with the key's plan.
  testConnection: async (context) => {
    const { body } = await context.http.getJson<Record<string, unknown>>('/api-info');
    if (typeof body?.['plan'] !== 'string') throw invalid('/api-info without a "plan"');
  },
  actions: [
    defineAction({
      name: 'host',
      title: 'Look up a host',
      description:
        'What Shodan has seen on an IP address: open ports and services, hostnames, organisation, ASN, country, OS, tags and the CVEs it associates with them.',
      effect: 'read',
      input: HostInput,
      output: HostOutput,
      cacheTtlSeconds: 24 * 3600,
      enrichment: {
        observable: (input) => ipObservable(input.ip),
        finding: (output) => shodanFinding(output),
      },
      run: (input, context) => host(context, input),
    }),
  ],
});
