import { Type } from '@sinclair/typebox';
import { isIP } from 'node:net';
import type { ObservableType } from '../../core/alert.ts';
import { defineAction, defineIntegration, type EnrichmentFinding } from '../sdk/integration.ts';
import { count, readAnswer, records, stringMap, strings, text } from './urlhaus-answer.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

const Blacklists = Type.Record(Type.String(), Type.String(), {
  description:
    'third-party blocklists and their answer (`spamhaus_dbl`, `surbl`, …): "not listed" or a category',
});

const UrlOutput = Type.Object({
  found: Type.Boolean(),
  url: Type.String(),
  id: Nullable(Type.String()),
  status: Nullable(Type.String({ description: 'online, offline or unknown' })),
  threat: Nullable(Type.String()),
  host: Nullable(Type.String()),
  dateAdded: Nullable(Type.String()),
  reporter: Nullable(Type.String()),
  tags: Type.Array(Type.String()),
  blacklists: Blacklists,
  reference: Nullable(Type.String({ description: 'the URLhaus page of the entry' })),
  payloads: Type.Array(
    Type.Object({
      sha256: Nullable(Type.String()),
      md5: Nullable(Type.String()),
      filename: Nullable(Type.String()),
      fileType: Nullable(Type.String()),
      signature: Nullable(Type.String()),
      firstSeen: Nullable(Type.String()),
    }),
  ),
});

const HostOutput = Type.Object({
  found: Type.Boolean(),
  host: Type.String(),
  firstSeen: Nullable(Type.String()),
  urlCount: Type.Integer(),
  onlineCount: Type.Integer(),
  blacklists: Blacklists,
  reference: Nullable(Type.String()),
  urls: Type.Array(
    Type.Object({
      url: Type.String(),
      status: Nullable(Type.String()),
      threat: Nullable(Type.String()),
      dateAdded: Nullable(Type.String()),
      tags: Type.Array(Type.String()),
    }),
  ),
});

const PayloadOutput = Type.Object({
  found: Type.Boolean(),
  hash: Type.String(),
  md5: Nullable(Type.String()),
  sha256: Nullable(Type.String()),
  fileType: Nullable(Type.String()),
  fileSize: Nullable(Type.Number()),
  signature: Nullable(Type.String()),
  firstSeen: Nullable(Type.String()),
  lastSeen: Nullable(Type.String()),
  urlCount: Type.Integer(),
  urls: Type.Array(Type.Object({ url: Type.String(), status: Nullable(Type.String()) })),
});

const lookupUrl = defineAction({
  name: 'lookup_url',
  title: 'Look up a URL',
  description:
    'Whether URLhaus lists the URL as a malware distribution point, its status, threat and payloads.',
  effect: 'read',
  cacheTtlSeconds: 3600,
  input: Type.Object({ url: Type.String({ minLength: 1, description: 'the full URL, scheme included' }) }),
  output: UrlOutput,
  enrichment: {
    observable: (input) => ({ type: 'url', value: input.url }),
    finding: (output) => urlFinding(output.found, output.status, output.threat),
  },
  async run(input, { http }) {
    const response = await http.request({ method: 'POST', path: '/v1/url/', form: { url: input.url } });
    const a = readAnswer(response.json(), 'url lookup');
    return {
      found: a.found,
      url: text(a['url']) ?? input.url,
      id: text(a['id']),
      status: text(a['url_status']),
      threat: text(a['threat']),
      host: text(a['host']),
      dateAdded: text(a['date_added']),
      reporter: text(a['reporter']),
      tags: strings(a['tags']),
      blacklists: stringMap(a['blacklists']),
      reference: text(a['urlhaus_reference']),
      payloads: records(a['payloads']).map((p) => ({
        sha256: text(p['response_sha256']),
        md5: text(p['response_md5']),
        filename: text(p['filename']),
        fileType: text(p['file_type']),
        signature: text(p['signature']),
        firstSeen: text(p['firstseen']),
      })),
    };
  },
});

const lookupHost = defineAction({
  name: 'lookup_host',
  title: 'Look up a host',
  description: 'The malware URLs URLhaus knows on a domain or IP address, and how many are still online.',
  effect: 'read',
  cacheTtlSeconds: 3600,
  input: Type.Object({ host: Type.String({ minLength: 1, description: 'a domain name or an IP address' }) }),
  output: HostOutput,
  enrichment: {
    observable: (input) => ({ type: hostType(input.host), value: input.host }),
    finding: (output): EnrichmentFinding => {
      if (!output.found) return { verdict: 'unknown', score: null, summary: 'not listed in URLhaus' };
      if (output.onlineCount > 0)
        return {
          verdict: 'malicious',
          score: 100,
          summary: `${output.onlineCount} of ${output.urlCount} malware URLs online`,
        };
      return { verdict: 'suspicious', score: 60, summary: `${output.urlCount} malware URLs, none online` };
    },
  },
  async run(input, { http }) {
    const response = await http.request({ method: 'POST', path: '/v1/host/', form: { host: input.host } });
    const a = readAnswer(response.json(), 'host lookup');
    const urls = records(a['urls']).map((u) => ({
      url: text(u['url']) ?? '',
      status: text(u['url_status']),
      threat: text(u['threat']),
      dateAdded: text(u['date_added']),
      tags: strings(u['tags']),
    }));
    return {
      found: a.found,
      host: text(a['host']) ?? input.host,
      firstSeen: text(a['firstseen']),
      urlCount: count(a['url_count']) ?? urls.length,
      onlineCount: urls.filter((u) => u.status === 'online').length,
      blacklists: stringMap(a['blacklists']),
      reference: text(a['urlhaus_reference']),
      urls,
    };
  },
});

const lookupPayload = defineAction({
  name: 'lookup_payload',
  title: 'Look up a payload',
  description:
    'Whether URLhaus has seen a file (by MD5 or SHA-256) served by malware URLs, with its signature.',
  effect: 'read',
  cacheTtlSeconds: 6 * 3600,
  input: Type.Object({
    hash: Type.String({ pattern: '^([A-Fa-f0-9]{32}|[A-Fa-f0-9]{64})$', description: 'an MD5 or SHA-256' }),
  }),
  output: PayloadOutput,
  enrichment: {
    observable: (input) => ({
      type: input.hash.length === 32 ? 'md5' : 'sha256',
      value: input.hash.toLowerCase(),
    }),
    finding: (output): EnrichmentFinding =>
      output.found
        ? {
            verdict: 'malicious',
            score: 90,
            summary: `served by ${output.urlCount} malware URLs${output.signature ? ` (${output.signature})` : ''}`,
          }
        : { verdict: 'unknown', score: null, summary: 'not seen by URLhaus' },
  },
  async run(input, { http }) {
    const hash = input.hash.toLowerCase();
    const form: Record<string, string> = { [hash.length === 32 ? 'md5_hash' : 'sha256_hash']: hash };
    const response = await http.request({ method: 'POST', path: '/v1/payload/', form });
    const a = readAnswer(response.json(), 'payload lookup');
    const urls = records(a['urls']).map((u) => ({
      url: text(u['url']) ?? '',
      status: text(u['url_status']),
    }));
    return {
      found: a.found,
      hash,
      md5: text(a['md5_hash']),
      sha256: text(a['sha256_hash']),
      fileType: text(a['file_type']),
      fileSize: count(a['file_size']),
      signature: text(a['signature']),
      firstSeen: text(a['firstseen']),
      lastSeen: text(a['lastseen']),
      urlCount: count(a['url_count']) ?? urls.length,
      urls,
    };
  },
});

/**
 * A listed URL that is online is malicious; one that went offline stays suspicious (it served malware,
 * it serves nothing now); `unknown` status means URLhaus could not tell, so it is treated as still live.
 */
export function urlFinding(found: boolean, status: string | null, threat: string | null): EnrichmentFinding {
  if (!found) return { verdict: 'unknown', score: null, summary: 'not listed in URLhaus' };
  const what = threat ?? 'malware URL';
  if (status === 'offline') return { verdict: 'suspicious', score: 60, summary: `${what}, offline` };
  return {
    verdict: 'malicious',
    score: status === 'online' ? 100 : 80,
    summary: `${what}, ${status ?? 'status unknown'}`,
  };
}

function hostType(host: string): ObservableType {
  const family = isIP(host);
  return family === 4 ? 'ipv4' : family === 6 ? 'ipv6' : 'domain';
}

export const urlhausIntegration = defineIntegration({
  id: 'urlhaus',
  name: 'URLhaus (abuse.ch)',
  version: '1.0.0',
  categories: ['threat_intel', 'enrichment'],
  docs: 'https://urlhaus-api.abuse.ch/',
  baseUrl: 'https://urlhaus-api.abuse.ch',
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
    const response = await http.request({
      method: 'POST',
      path: '/v1/url/',
      form: { url: 'https://example.com/' },
    });
    readAnswer(response.json(), 'url lookup');
  },
  actions: [lookupUrl, lookupHost, lookupPayload],
});
