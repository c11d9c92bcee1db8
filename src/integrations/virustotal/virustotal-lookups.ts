import { Type, type TProperties, type TSchema } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import { hashObservable, ipObservable, observable } from '../../core/observable.ts';
import { defineAction } from '../sdk/integration.ts';
import {
  GUI,
  StatsSchema,
  ThresholdSchema,
  VerdictSchema,
  getObject,
  int,
  isoDate,
  str,
  strings,
  urlId,
  type VtObject,
} from './virustotal-api.ts';
import { ZERO_STATS, engineStats, findingOf, verdictOf } from './virustotal-verdict.ts';

/** A report changes slowly and the public quota is 500 a day: six hours is fresh enough for triage. */
const CACHE_TTL_SECONDS = 6 * 60 * 60;
// Generous: at 4 requests a minute a lookup may first wait its turn in the instance's quota.
const TIMEOUT_MS = 120_000;

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const common = {
  found: Type.Boolean({ description: 'False when VirusTotal has never seen it (verdict unknown).' }),
  id: Type.String(),
  stats: StatsSchema,
  reputation: nullable(Type.Integer()),
  tags: Type.Array(Type.String()),
  verdict: VerdictSchema,
  score: nullable(Type.Integer({ minimum: 0, maximum: 100 })),
  link: Type.String(),
  lastAnalysisDate: nullable(Type.String()),
};

const output = <P extends TProperties>(specific: P) => Type.Object({ ...common, ...specific });

/** The fields every lookup reports, from an object or from its absence. */
function summary(object: VtObject | null, threshold: number | undefined, fallbackId: string, gui: string) {
  if (!object)
    return {
      found: false,
      id: fallbackId,
      stats: ZERO_STATS,
      reputation: null,
      tags: [],
      verdict: 'unknown' as const,
      score: null,
      link: `${GUI}/search/${encodeURIComponent(fallbackId)}`,
      lastAnalysisDate: null,
    };
  const a = object.attributes;
  const stats = engineStats(a['last_analysis_stats']);
  return {
    found: true,
    id: object.id,
    stats,
    reputation: int(a['reputation']),
    tags: strings(a['tags']),
    ...verdictOf(stats, threshold),
    link: `${GUI}/${gui}/${encodeURIComponent(object.id)}`,
    lastAnalysisDate: isoDate(a['last_analysis_date']),
  };
}

const badInput = (message: string) => new ActionError('invalid_input', message, { retryable: false });

export const lookupFile = defineAction({
  name: 'lookup_file',
  title: 'Look up a file hash',
  description: 'The VirusTotal report of a file by MD5, SHA-1 or SHA-256: engine counts, names, type.',
  effect: 'read',
  input: Type.Object({
    hash: Type.String({ pattern: '^\\s*([0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})\\s*$' }),
    malicious_threshold: ThresholdSchema,
  }),
  output: output({
    sha256: nullable(Type.String()),
    sha1: nullable(Type.String()),
    md5: nullable(Type.String()),
    size: nullable(Type.Integer()),
    names: Type.Array(Type.String()),
    meaningfulName: nullable(Type.String()),
    typeDescription: nullable(Type.String()),
    threatLabel: nullable(Type.String()),
  }),
  timeoutMs: TIMEOUT_MS,
  cacheTtlSeconds: CACHE_TTL_SECONDS,
  enrichment: {
    observable: (input) => hashObservable(input.hash),
    finding: findingOf,
  },
  async run(input, context) {
    const hash = hashObservable(input.hash)?.value;
    if (!hash) throw badInput(`"${input.hash}" is not an MD5, SHA-1 or SHA-256`);
    const object = await getObject(context.http, `/files/${hash}`);
    const a = object?.attributes ?? {};
    const threat = a['popular_threat_classification'] as Record<string, unknown> | undefined;
    return {
      ...summary(object, input.malicious_threshold, hash, 'file'),
      sha256: str(a['sha256']),
      sha1: str(a['sha1']),
      md5: str(a['md5']),
      size: int(a['size']),
      names: strings(a['names'], 20),
      meaningfulName: str(a['meaningful_name']),
      typeDescription: str(a['type_description']),
      threatLabel: str(threat?.['suggested_threat_label']),
    };
  },
});

export const lookupIp = defineAction({
  name: 'lookup_ip',
  title: 'Look up an IP address',
  description: 'The VirusTotal report of an IPv4 or IPv6 address: engine counts, owner, country.',
  effect: 'read',
  input: Type.Object({
    ip: Type.String({ minLength: 2, maxLength: 64 }),
    malicious_threshold: ThresholdSchema,
  }),
  output: output({
    asOwner: nullable(Type.String()),
    asn: nullable(Type.Integer()),
    country: nullable(Type.String()),
    network: nullable(Type.String()),
  }),
  timeoutMs: TIMEOUT_MS,
  cacheTtlSeconds: CACHE_TTL_SECONDS,
  enrichment: { observable: (input) => ipObservable(input.ip), finding: findingOf },
  async run(input, context) {
    const ip = ipObservable(input.ip)?.value;
    if (!ip) throw badInput(`"${input.ip}" is not an IP address`);
    const object = await getObject(context.http, `/ip_addresses/${encodeURIComponent(ip)}`);
    const a = object?.attributes ?? {};
    return {
      ...summary(object, input.malicious_threshold, ip, 'ip-address'),
      asOwner: str(a['as_owner']),
      asn: int(a['asn']),
      country: str(a['country']),
      network: str(a['network']),
    };
  },
});

export const lookupDomain = defineAction({
  name: 'lookup_domain',
  title: 'Look up a domain',
  description: 'The VirusTotal report of a domain: engine counts, registrar, creation date.',
  effect: 'read',
  input: Type.Object({
    domain: Type.String({ minLength: 1, maxLength: 253 }),
    malicious_threshold: ThresholdSchema,
  }),
  output: output({
    registrar: nullable(Type.String()),
    creationDate: nullable(Type.String()),
    categories: Type.Record(Type.String(), Type.String()),
  }),
  timeoutMs: TIMEOUT_MS,
  cacheTtlSeconds: CACHE_TTL_SECONDS,
  enrichment: { observable: (input) => observable('domain', input.domain), finding: findingOf },
  async run(input, context) {
    const domain = observable('domain', input.domain)?.value;
    if (!domain) throw badInput(`"${input.domain}" is not a domain name`);
    const object = await getObject(context.http, `/domains/${encodeURIComponent(domain)}`);
    const a = object?.attributes ?? {};
    const categories: Record<string, string> = {};
    for (const [k, v] of Object.entries((a['categories'] as object | undefined) ?? {}))
      if (typeof v === 'string') categories[k] = v;
    return {
      ...summary(object, input.malicious_threshold, domain, 'domain'),
      registrar: str(a['registrar']),
      creationDate: isoDate(a['creation_date']),
      categories,
    };
  },
});

export const lookupUrl = defineAction({
  name: 'lookup_url',
  title: 'Look up a URL',
  description: 'The VirusTotal report of a URL: engine counts, final URL, page title, threat names.',
  effect: 'read',
  input: Type.Object({
    url: Type.String({ minLength: 1, maxLength: 4096 }),
    malicious_threshold: ThresholdSchema,
  }),
  output: output({
    url: nullable(Type.String()),
    finalUrl: nullable(Type.String()),
    title: nullable(Type.String()),
    threatNames: Type.Array(Type.String()),
  }),
  timeoutMs: TIMEOUT_MS,
  cacheTtlSeconds: CACHE_TTL_SECONDS,
  enrichment: { observable: (input) => observable('url', input.url), finding: findingOf },
  async run(input, context) {
    const url = observable('url', input.url)?.value;
    if (!url) throw badInput(`"${input.url}" is not an absolute URL (scheme://host/…)`);
    const object = await getObject(context.http, `/urls/${urlId(url)}`);
    const a = object?.attributes ?? {};
    return {
      ...summary(object, input.malicious_threshold, url, 'url'),
      url: str(a['url']) ?? url,
      finalUrl: str(a['last_final_url']),
      title: str(a['title']),
      threatNames: strings(a['threat_names']),
    };
  },
});
