import { Type, type Static } from '@sinclair/typebox';
import { isIP } from 'node:net';
import type { ObservableType } from '../../core/alert.ts';
import type { HttpClient } from '../sdk/http-client.ts';
import { defineAction, defineIntegration, type EnrichmentFinding } from '../sdk/integration.ts';
import { readIocs } from './threatfox-answer.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

const Ioc = Type.Object({
  id: Type.String(),
  ioc: Type.String(),
  iocType: Nullable(Type.String({ description: 'ip:port, domain, url, md5_hash, sha256_hash, …' })),
  threatType: Nullable(Type.String({ description: 'botnet_cc, payload_delivery, payload, …' })),
  malware: Nullable(Type.String({ description: 'Malpedia name (win.cobalt_strike)' })),
  malwarePrintable: Nullable(Type.String()),
  malwareAliases: Type.Array(Type.String()),
  confidenceLevel: Nullable(Type.Integer({ minimum: 0, maximum: 100 })),
  firstSeen: Nullable(Type.String()),
  lastSeen: Nullable(Type.String()),
  reference: Nullable(Type.String()),
  reporter: Nullable(Type.String()),
  tags: Type.Array(Type.String()),
});

const Output = Type.Object({
  found: Type.Boolean(),
  iocs: Type.Array(Ioc),
  /** The highest confidence_level among the IOCs (null when none). */
  maxConfidence: Nullable(Type.Integer({ minimum: 0, maximum: 100 })),
  malware: Type.Array(Type.String({ description: 'distinct malware families named' })),
});
type Output = Static<typeof Output>;

async function query(http: HttpClient, body: Record<string, unknown>): Promise<Output> {
  const response = await http.request({ method: 'POST', path: '/api/v1/', json: body });
  const data = readIocs(response.json(), String(body['query']));
  const iocs = (data ?? []).map(toIoc);
  const confidences = iocs.map((i) => i.confidenceLevel).filter((c): c is number => c !== null);
  return {
    found: iocs.length > 0,
    iocs,
    maxConfidence: confidences.length ? Math.max(...confidences) : null,
    malware: [...new Set(iocs.map((i) => i.malwarePrintable ?? i.malware).filter((m): m is string => !!m))],
  };
}

function toIoc(d: Record<string, unknown>): Static<typeof Ioc> {
  const text = (k: string) => (typeof d[k] === 'string' && d[k] !== '' ? (d[k] as string) : null);
  const confidence = Number(d['confidence_level']);
  return {
    id: String(d['id'] ?? ''),
    ioc: text('ioc') ?? '',
    iocType: text('ioc_type'),
    threatType: text('threat_type'),
    malware: text('malware'),
    malwarePrintable: text('malware_printable'),
    malwareAliases: (text('malware_alias') ?? '').split(',').filter(Boolean),
    confidenceLevel: Number.isInteger(confidence) && confidence >= 0 && confidence <= 100 ? confidence : null,
    firstSeen: text('first_seen'),
    lastSeen: text('last_seen'),
    reference: text('reference'),
    reporter: text('reporter'),
    tags: Array.isArray(d['tags']) ? d['tags'].filter((t): t is string => typeof t === 'string') : [],
  };
}

/**
 * Every ThreatFox IOC is a reported malicious indicator; its confidence_level (0–100) is the score.
 * 75 and above is malicious, below that the report is too uncertain to act on alone: suspicious.
 */
export function threatfoxFinding(output: Output): EnrichmentFinding {
  if (!output.found) return { verdict: 'unknown', score: null, summary: 'not in ThreatFox' };
  const score = output.maxConfidence;
  const families = output.malware.length ? output.malware.join(', ') : 'unnamed malware';
  return {
    verdict: score !== null && score >= 75 ? 'malicious' : 'suspicious',
    score,
    summary: `${output.iocs.length} IOC(s): ${families}, confidence ${score ?? 'not given'}`,
  };
}

/** What a search term names: `1.2.3.4:443` is the address, a URL or a hash is itself, else a domain. */
export function observableOf(term: string): { type: ObservableType; value: string } {
  const value = term.trim();
  const ipPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(value);
  if (ipPort) return { type: 'ipv4', value: ipPort[1]! };
  const family = isIP(value.replace(/^\[|\]$/g, ''));
  if (family) return { type: family === 4 ? 'ipv4' : 'ipv6', value };
  if (/^https?:\/\//i.test(value)) return { type: 'url', value };
  if (/^[a-f0-9]{64}$/i.test(value)) return { type: 'sha256', value: value.toLowerCase() };
  if (/^[a-f0-9]{40}$/i.test(value)) return { type: 'sha1', value: value.toLowerCase() };
  if (/^[a-f0-9]{32}$/i.test(value)) return { type: 'md5', value: value.toLowerCase() };
  return { type: 'domain', value: value.toLowerCase() };
}

const searchIoc = defineAction({
  name: 'search_ioc',
  title: 'Search an IOC',
  description:
    'The ThreatFox reports of an IP:port, domain, URL or hash, with malware family and confidence.',
  effect: 'read',
  cacheTtlSeconds: 3600,
  input: Type.Object({
    search_term: Type.String({ minLength: 1, description: 'an IP:port, IP, domain, URL or hash' }),
    exact_match: Type.Optional(
      Type.Boolean({ description: 'only exact matches (ThreatFox default: false)' }),
    ),
  }),
  output: Output,
  enrichment: { observable: (input) => observableOf(input.search_term), finding: threatfoxFinding },
  run: (input, { http }) =>
    query(http, {
      query: 'search_ioc',
      search_term: input.search_term.trim(),
      ...(input.exact_match === undefined ? {} : { exact_match: input.exact_match }),
    }),
});

const searchHash = defineAction({
  name: 'search_hash',
  title: 'Search IOCs by file hash',
  description: 'The ThreatFox IOCs associated with a malware sample, by its MD5 or SHA-256.',
  effect: 'read',
  cacheTtlSeconds: 3600,
  input: Type.Object({
    hash: Type.String({ pattern: '^([A-Fa-f0-9]{32}|[A-Fa-f0-9]{64})$', description: 'an MD5 or SHA-256' }),
  }),
  output: Output,
  enrichment: { observable: (input) => observableOf(input.hash), finding: threatfoxFinding },
  run: (input, { http }) => query(http, { query: 'search_hash', hash: input.hash.toLowerCase() }),
});

export const threatfoxIntegration = defineIntegration({
  id: 'threatfox',
  name: 'ThreatFox (abuse.ch)',
  version: '1.0.0',
  categories: ['threat_intel', 'enrichment'],
  docs: 'https://threatfox.abuse.ch/api/',
  baseUrl: 'https://threatfox-api.abuse.ch',
  credentials: [
    {
      name: 'auth_key',
      label: 'Auth-Key',
      secret: true,
      required: true,
      description:
        'free from https://auth.abuse.ch/ (the same key serves URLhaus, ThreatFox and MalwareBazaar)',
    },
  ],
  auth: { kind: 'header', header: 'Auth-Key', field: 'auth_key' },
  // abuse.ch publishes no quota ("fair use"); this keeps one instance polite.
  rateLimit: { requests: 10, perSeconds: 1 },
  async testConnection({ http }) {
    // A search that exists for every key and costs ThreatFox little; only the status matters.
    await query(http, { query: 'search_ioc', search_term: 'example.com', exact_match: true });
  },
  actions: [searchIoc, searchHash],
});
