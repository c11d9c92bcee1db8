import { createHash } from 'node:crypto';
import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';
import { KEV_PATH } from './cisa-kev-integration.ts';

/** An entry as the catalog publishes it (every field of known_exploited_vulnerabilities_schema.json). */
export function kevEntry(cveID: string, overrides: Record<string, unknown> = {}) {
  return {
    cveID,
    vendorProject: 'Apache',
    product: 'Log4j2',
    vulnerabilityName: 'Apache Log4j2 Remote Code Execution Vulnerability',
    dateAdded: '2021-12-10',
    shortDescription:
      'Apache Log4j2 contains a vulnerability where JNDI features do not protect against attacker-controlled JNDI-related endpoints.',
    requiredAction:
      'For all affected software assets for which updates exist, the only acceptable remediation actions are: 1) Apply updates; OR 2) remove affected assets from agency networks.',
    dueDate: '2021-12-24',
    knownRansomwareCampaignUse: 'Known',
    notes:
      'https://logging.apache.org/log4j/2.x/security.html; https://nvd.nist.gov/vuln/detail/CVE-2021-44228',
    cwes: ['CWE-20', 'CWE-400', 'CWE-502'],
    ...overrides,
  };
}

export function kevCatalog(entries: Record<string, unknown>[], version = '2026.03.02') {
  return {
    title: 'CISA Catalog of Known Exploited Vulnerabilities',
    catalogVersion: version,
    dateReleased: '2026-03-02T17:01:35.2246Z',
    count: entries.length,
    vulnerabilities: entries,
  };
}

export type FakeKevFault = 'server_error' | 'html' | 'truncated';

export interface FakeCisaKev extends FakeServer {
  /** Publishes a new catalog (a new ETag and Last-Modified). */
  publish(catalog: unknown): void;
  fault(fault: FakeKevFault | null): void;
  /** Full downloads served (a 304 is not one). */
  downloads(): number;
}

/**
 * A stand-in for the catalog feed, a static file CISA serves: the JSON with an ETag and a
 * Last-Modified, 304 to a request that names the current ETag (or a date not older than the file),
 * and on demand a 503, the HTML page of a web application firewall, or a file cut short.
 */
export async function startFakeCisaKev(initial: unknown): Promise<FakeCisaKev> {
  let body = JSON.stringify(initial);
  let etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
  let modified = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  let fault: FakeKevFault | null = null;
  let downloads = 0;

  const serve = (request: FakeRequest): FakeReply => {
    if (fault === 'server_error') return { status: 503, text: 'Service Unavailable' };
    if (fault === 'html')
      return {
        status: 200,
        text: "<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY>You don't have permission to access this resource.</BODY></HTML>",
        headers: { 'content-type': 'text/html' },
      };
    const since = request.headers['if-modified-since'];
    const fresh =
      request.headers['if-none-match'] === etag ||
      (request.headers['if-none-match'] === undefined &&
        typeof since === 'string' &&
        Date.parse(since) >= modified.getTime());
    const headers = { etag, 'last-modified': modified.toUTCString(), 'content-type': 'application/json' };
    if (fresh) return { status: 304, text: '', headers };
    downloads++;
    return { status: 200, text: fault === 'truncated' ? body.slice(0, body.length / 2) : body, headers };
  };

  const server = await startFakeServer([['GET', KEV_PATH, serve]]);
  return Object.assign(server, {
    publish(catalog: unknown) {
      body = JSON.stringify(catalog);
      etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
      modified = new Date(Math.floor(Date.now() / 1000) * 1000);
    },
    fault(next: FakeKevFault | null) {
      fault = next;
    },
    downloads: () => downloads,
  });
}
