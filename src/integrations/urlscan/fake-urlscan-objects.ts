/**
 * The documents the fake urlscan.io serves, generated from a seed in the shape urlscan returns
 * (search hits `{task, stats, page, _id, sort, result, screenshot}`, results
 * `{task, page, verdicts, lists, stats, meta, data}`), field names as urlscan spells them.
 */

export interface FakeScanSeed {
  url: string;
  /** Where the scan landed, when it was redirected (default: `url`). */
  finalUrl?: string;
  malicious?: boolean;
  /** verdicts.overall.score, -100 to 100 (default 0). */
  score?: number;
  categories?: string[];
  brands?: string[];
  tags?: string[];
  title?: string;
  ip?: string;
  country?: string;
  asn?: string;
  asnName?: string;
  server?: string;
  /** ISO time of the scan (default: now). */
  time?: string;
  visibility?: 'public' | 'unlisted' | 'private';
  uuid?: string;
}

export interface StoredScan {
  uuid: string;
  seed: FakeScanSeed;
  timeMs: number;
  visibility: 'public' | 'unlisted' | 'private';
  /** Result reads still answered "not finished" before the result exists. */
  pendingReads: number;
}

const hostOf = (url: string) => URL.parse(url)?.hostname ?? '';

const apex = (host: string) => host.split('.').slice(-2).join('.');

export function searchHit(site: string, scan: StoredScan) {
  const { seed, uuid } = scan;
  const pageUrl = seed.finalUrl ?? seed.url;
  return {
    task: {
      visibility: scan.visibility,
      method: 'api',
      domain: hostOf(seed.url),
      apexDomain: apex(hostOf(seed.url)),
      time: new Date(scan.timeMs).toISOString(),
      uuid,
      url: seed.url,
      tags: seed.tags ?? [],
    },
    stats: { uniqIPs: 1, uniqCountries: 1, dataLength: 1024, encodedDataLength: 512, requests: 3 },
    page: {
      country: seed.country ?? 'DE',
      server: seed.server ?? 'nginx',
      ip: seed.ip ?? '192.0.2.10',
      mimeType: 'text/html',
      title: seed.title ?? 'Example page',
      url: pageUrl,
      domain: hostOf(pageUrl),
      apexDomain: apex(hostOf(pageUrl)),
      asnname: seed.asnName ?? 'EXAMPLE-AS, DE',
      asn: seed.asn ?? 'AS64500',
      status: '200',
    },
    _id: uuid,
    _score: null,
    sort: [scan.timeMs, uuid],
    result: `${site}/api/v1/result/${uuid}/`,
    screenshot: `${site}/screenshots/${uuid}.png`,
  };
}

export function resultDocument(site: string, scan: StoredScan) {
  const { seed, uuid } = scan;
  const hit = searchHit(site, scan);
  const verdict = {
    score: seed.score ?? 0,
    categories: seed.categories ?? [],
    brands: seed.brands ?? [],
    tags: seed.tags ?? [],
    // urlscan omits `malicious` rather than sending false.
    ...(seed.malicious ? { malicious: true } : {}),
    hasVerdicts: seed.malicious === true || (seed.score ?? 0) !== 0,
  };
  return {
    data: { requests: [], cookies: [], console: [], links: [], timing: {}, globals: [] },
    lists: {
      ips: [hit.page.ip],
      countries: [hit.page.country],
      asns: [hit.page.asn.replace(/^AS/, '')],
      domains: [hit.page.domain],
      servers: [hit.page.server],
      urls: [seed.url],
      linkDomains: [],
      certificates: [],
      hashes: [],
    },
    meta: { processors: {} },
    page: { ...hit.page, city: '', ptr: '' },
    scanner: { country: 'de' },
    stats: {
      resourceStats: [],
      protocolStats: [],
      tlsStats: [],
      serverStats: [],
      domainStats: [],
      regDomainStats: [],
      secureRequests: 0,
      securePercentage: 0,
      IPv6Percentage: 0,
      uniqCountries: 1,
      totalLinks: 0,
      malicious: 0,
      adBlocked: 0,
      ipStats: [],
    },
    submitter: { country: 'DE' },
    task: {
      ...hit.task,
      source: 'api',
      reportURL: `${site}/result/${uuid}/`,
      screenshotURL: `${site}/screenshots/${uuid}.png`,
      domURL: `${site}/dom/${uuid}/`,
    },
    verdicts: {
      overall: verdict,
      urlscan: { ...verdict },
      engines: {
        score: 0,
        categories: [],
        enginesTotal: 0,
        maliciousTotal: 0,
        benignTotal: 0,
        maliciousVerdicts: [],
        benignVerdicts: [],
      },
      community: {
        score: 0,
        categories: [],
        brands: [],
        votesTotal: 0,
        votesMalicious: 0,
        votesBenign: 0,
        tags: [],
      },
    },
  };
}
