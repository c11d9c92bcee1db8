import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';

/** A CVE as the NVD's CVE API 2.0 returns it under `vulnerabilities[].cve` (the fields the fake needs). */
export type FakeNvdCve = Record<string, unknown> & { id: string };

export interface FakeNvdOptions {
  cves?: FakeNvdCve[];
  /** The API key the fake accepts in the `apiKey` header; requests without one are public. */
  apiKey?: string;
  /** Requests in a rolling 30 s before 403 (the NVD's 5 public, 50 with a key). */
  publicLimit?: number;
  keyedLimit?: number;
  /** cveIds answered with 503, as the NVD does when it is overloaded. */
  unavailable?: string[];
}

export interface FakeNvd extends FakeServer {
  apiKey: string;
}

/** A metric of `cvssMetricV31` / `cvssMetricV40`, in the API's shape. */
export function cvssMetric(
  version: '3.1' | '4.0' | '3.0',
  score: number,
  severity: string,
  vector: string,
  type: 'Primary' | 'Secondary' = 'Primary',
  source = type === 'Primary' ? 'nvd@nist.gov' : 'cna@example.org',
) {
  return {
    source,
    type,
    cvssData: { version, vectorString: vector, baseScore: score, baseSeverity: severity },
    ...(version === '4.0' ? {} : { exploitabilityScore: 3.9, impactScore: 5.9 }),
  };
}

/** A realistic record: descriptions, metrics, weaknesses and references as the API nests them. */
export function fakeCve(
  id: string,
  options: {
    description?: string;
    metrics?: Record<string, unknown[]>;
    cwes?: string[];
    kev?: { added: string; due: string; action: string; name: string };
    status?: string;
  } = {},
): FakeNvdCve {
  return {
    id,
    sourceIdentifier: 'cna@example.org',
    published: '2021-12-10T10:15:09.143',
    lastModified: '2024-04-03T17:15:11.420',
    vulnStatus: options.status ?? 'Analyzed',
    cveTags: [],
    descriptions: [
      { lang: 'en', value: options.description ?? `Description of ${id}.` },
      { lang: 'es', value: `Descripción de ${id}.` },
    ],
    metrics: options.metrics ?? {},
    weaknesses: (options.cwes ?? []).map((cwe, i) => ({
      source: i === 0 ? 'nvd@nist.gov' : 'cna@example.org',
      type: i === 0 ? 'Primary' : 'Secondary',
      description: [{ lang: 'en', value: cwe }],
    })),
    ...(options.kev
      ? {
          cisaExploitAdd: options.kev.added,
          cisaActionDue: options.kev.due,
          cisaRequiredAction: options.kev.action,
          cisaVulnerabilityName: options.kev.name,
        }
      : {}),
    references: [
      { url: `https://example.org/advisories/${id}`, source: 'cna@example.org', tags: ['Vendor Advisory'] },
    ],
  };
}

const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

/**
 * A stand-in for the NVD CVE API 2.0 (`GET /rest/json/cves/2.0`): one CVE by `cveId`, or a page of all
 * of them; the optional `apiKey` header; refusals as 404 with an empty body and a `message` header;
 * 403 over the rolling 30-second limit; 503 for the ids told to be unavailable.
 */
export async function startFakeNvd(options: FakeNvdOptions = {}): Promise<FakeNvd> {
  const apiKey = options.apiKey ?? 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
  const cves = options.cves ?? [];
  const recent: { at: number; keyed: boolean }[] = [];

  const refuse = (message: string): FakeReply => ({ status: 404, text: '', headers: { message } });
  const page = (items: FakeNvdCve[], total: number, start: number): FakeReply => ({
    json: {
      resultsPerPage: items.length,
      startIndex: start,
      totalResults: total,
      format: 'NVD_CVE',
      version: '2.0',
      timestamp: new Date().toISOString().slice(0, 23),
      vulnerabilities: items.map((cve) => ({ cve })),
    },
  });

  const handle = (request: FakeRequest): FakeReply => {
    const key = request.headers['apikey'];
    if (key !== undefined && key !== apiKey) return refuse('Invalid apiKey.');
    const now = Date.now();
    while (recent.length > 0 && recent[0]!.at < now - 30_000) recent.shift();
    const keyed = key !== undefined;
    const limit = keyed ? (options.keyedLimit ?? 50) : (options.publicLimit ?? 5);
    if (recent.filter((r) => r.keyed === keyed).length >= limit) return { status: 403, text: '' };
    recent.push({ at: now, keyed });
    const cveId = request.query.get('cveId');
    if (cveId !== null) {
      if (!CVE_ID.test(cveId)) return refuse('Invalid cveId parameter.');
      if (options.unavailable?.includes(cveId))
        return { status: 503, text: 'Service Unavailable', headers: { 'content-type': 'text/plain' } };
      const found = cves.filter((c) => c.id === cveId);
      return page(found, found.length, 0);
    }
    const start = Number(request.query.get('startIndex') ?? 0);
    const size = Number(request.query.get('resultsPerPage') ?? 2000);
    if (!Number.isInteger(size) || size < 1 || size > 2000)
      return refuse('Invalid resultsPerPage parameter.');
    return page(cves.slice(start, start + size), cves.length, start);
  };

  const server = await startFakeServer([['GET', '/rest/json/cves/2.0', handle]]);
  return Object.assign(server, { apiKey });
}
