import { createHash } from 'node:crypto';

/**
 * The objects the fake VirusTotal serves, generated from a few seeded numbers in the documented v3
 * shape (`{data: {id, type, links, attributes}}`, attribute names as VirusTotal spells them).
 */

/** How many engines voted what; the rest of `engines` answer "undetected". */
export interface FakeVerdictSeed {
  malicious?: number;
  suspicious?: number;
  harmless?: number;
  reputation?: number;
  tags?: string[];
}

export interface FakeFileSeed extends FakeVerdictSeed {
  /** The file's bytes as text; md5, sha1 and sha256 are computed from it, and an upload of it matches. */
  content: string;
  names?: string[];
  typeDescription?: string;
  threatLabel?: string;
}

export interface FakeIpSeed extends FakeVerdictSeed {
  asOwner?: string;
  asn?: number;
  country?: string;
  network?: string;
}

export interface FakeDomainSeed extends FakeVerdictSeed {
  registrar?: string;
  /** Unix seconds. */
  creationDate?: number;
}

export interface FakeUrlSeed extends FakeVerdictSeed {
  title?: string;
  finalUrl?: string;
  threatNames?: string[];
}

export type Category = 'malicious' | 'suspicious' | 'harmless' | 'undetected';

const digest = (algorithm: string, data: string | Uint8Array) =>
  createHash(algorithm).update(data).digest('hex');

export const hashesOf = (content: string | Uint8Array) => ({
  md5: digest('md5', content),
  sha1: digest('sha1', content),
  sha256: digest('sha256', content),
  size: typeof content === 'string' ? Buffer.byteLength(content) : content.length,
});

export const sha256Of = (text: string) => digest('sha256', text);

/** Engine votes in VirusTotal's stats shape; files also count the three non-answers. */
export function statsFor(seed: FakeVerdictSeed, engines: number, kind: 'file' | 'other') {
  const malicious = seed.malicious ?? 0;
  const suspicious = seed.suspicious ?? 0;
  const harmless = seed.harmless ?? (kind === 'file' ? 0 : engines - malicious - suspicious);
  const undetected = Math.max(0, engines - malicious - suspicious - harmless);
  const base = { malicious, suspicious, undetected, harmless, timeout: 0 };
  return kind === 'file' ? { ...base, 'confirmed-timeout': 0, failure: 0, 'type-unsupported': 0 } : base;
}

/** `last_analysis_results` (or an analysis's `results`): one entry per engine, votes in order. */
export function resultsFor(stats: Record<string, number>, kind: 'file' | 'other') {
  const results: Record<string, Record<string, unknown>> = {};
  let n = 0;
  for (const category of ['malicious', 'suspicious', 'harmless', 'undetected'] as Category[])
    for (let i = 0; i < (stats[category] ?? 0); i++) {
      const name = `Engine${String(++n).padStart(2, '0')}`;
      results[name] = {
        method: 'blacklist',
        engine_name: name,
        category,
        result:
          category === 'malicious'
            ? 'malware'
            : category === 'suspicious'
              ? 'suspicious'
              : kind === 'file'
                ? null
                : 'clean',
        ...(kind === 'file' ? { engine_version: '1.0', engine_update: '20250101' } : {}),
      };
    }
  return results;
}

const NOW = 1_750_000_000;

function common(seed: FakeVerdictSeed, engines: number, kind: 'file' | 'other') {
  const stats = statsFor(seed, engines, kind);
  return {
    last_analysis_date: NOW,
    last_modification_date: NOW,
    last_analysis_stats: stats,
    last_analysis_results: resultsFor(stats, kind),
    reputation: seed.reputation ?? 0,
    total_votes: { harmless: 0, malicious: 0 },
    tags: seed.tags ?? [],
  };
}

const envelope = (base: string, type: string, collection: string, id: string, attributes: object) => ({
  data: { id, type, links: { self: `${base}/${collection}/${id}` }, attributes },
});

export function fileObject(base: string, seed: FakeFileSeed, engines: number) {
  const h = hashesOf(seed.content);
  return envelope(base, 'file', 'files', h.sha256, {
    ...common(seed, engines, 'file'),
    md5: h.md5,
    sha1: h.sha1,
    sha256: h.sha256,
    size: h.size,
    names: seed.names ?? [],
    ...(seed.names?.[0] ? { meaningful_name: seed.names[0] } : {}),
    type_description: seed.typeDescription ?? 'Text',
    type_tag: 'text',
    type_extension: 'txt',
    popular_threat_classification: seed.threatLabel
      ? { suggested_threat_label: seed.threatLabel, popular_threat_category: [], popular_threat_name: [] }
      : undefined,
    first_submission_date: NOW - 86_400,
    last_submission_date: NOW,
    times_submitted: 1,
  });
}

export function ipObject(base: string, ip: string, seed: FakeIpSeed, engines: number) {
  return envelope(base, 'ip_address', 'ip_addresses', ip, {
    ...common(seed, engines, 'other'),
    as_owner: seed.asOwner ?? 'EXAMPLE-AS',
    asn: seed.asn ?? 64500,
    country: seed.country ?? 'ZZ',
    continent: 'EU',
    network: seed.network ?? `${ip}/32`,
    regional_internet_registry: 'RIPE NCC',
  });
}

export function domainObject(base: string, domain: string, seed: FakeDomainSeed, engines: number) {
  return envelope(base, 'domain', 'domains', domain, {
    ...common(seed, engines, 'other'),
    registrar: seed.registrar ?? 'Example Registrar, Inc.',
    creation_date: seed.creationDate ?? NOW - 365 * 86_400,
    tld: domain.split('.').pop(),
    categories: {},
    last_dns_records: [],
  });
}

export function urlObject(base: string, url: string, seed: FakeUrlSeed, engines: number) {
  return envelope(base, 'url', 'urls', sha256Of(url), {
    ...common(seed, engines, 'other'),
    url,
    last_final_url: seed.finalUrl ?? url,
    title: seed.title ?? 'Example page',
    last_http_response_code: 200,
    threat_names: seed.threatNames ?? [],
    redirection_chain: [url],
    outgoing_links: [],
  });
}
