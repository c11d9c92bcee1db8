import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { expectActionError, findingOf, runIntegrationAction } from '../sdk/integration-test-kit.ts';
import { cisaKevIntegration, type KevLookupOutput } from './cisa-kev-integration.ts';
import { kevCatalog, kevEntry, startFakeCisaKev, type FakeCisaKev } from './fake-cisa-kev.ts';
import { KevCatalogCache, parseKevCatalog } from './kev-catalog.ts';

const LOG4SHELL = kevEntry('CVE-2021-44228');
const PANOS = kevEntry('CVE-2024-3400', {
  vendorProject: 'Palo Alto Networks',
  product: 'PAN-OS',
  vulnerabilityName: 'Palo Alto Networks PAN-OS Command Injection Vulnerability',
  dateAdded: '2024-04-12',
  dueDate: '2024-04-19',
  knownRansomwareCampaignUse: 'Unknown',
  cwes: ['CWE-77'],
});

describe('cisa_kev', () => {
  let fake: FakeCisaKev;
  let now = Date.parse('2026-03-02T18:00:00Z');
  let integration = cisaKevIntegration(new KevCatalogCache(() => now));
  const lookup = (cve: string, fields: Record<string, string> = {}) =>
    runIntegrationAction(
      integration,
      'lookup_cve',
      { cve },
      { baseUrl: fake.url, fields },
    ) as Promise<KevLookupOutput>;

  before(async () => {
    fake = await startFakeCisaKev(kevCatalog([LOG4SHELL, { cveID: 'not-a-cve' }]));
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.fault(null);
    fake.publish(kevCatalog([LOG4SHELL, { cveID: 'not-a-cve' }]));
    integration = cisaKevIntegration(new KevCatalogCache(() => now));
  });

  it('answers a listed CVE with CISA’s entry, from one download of the catalog', async () => {
    const before = fake.downloads();
    const listed = await lookup('cve-2021-44228');
    assert.deepEqual(listed, {
      cve: 'CVE-2021-44228',
      known_exploited: true,
      vendor_project: 'Apache',
      product: 'Log4j2',
      name: 'Apache Log4j2 Remote Code Execution Vulnerability',
      date_added: '2021-12-10',
      due_date: '2021-12-24',
      required_action: LOG4SHELL.requiredAction,
      short_description: LOG4SHELL.shortDescription,
      known_ransomware_use: 'Known',
      notes: LOG4SHELL.notes,
      cwes: ['CWE-20', 'CWE-400', 'CWE-502'],
      catalog: { version: '2026.03.02', released: '2026-03-02T17:01:35.2246Z', count: 1, stale: false },
    });
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/sites/default/files/feeds/known_exploited_vulnerabilities.json');
    assert.equal(request.headers['if-none-match'], undefined, 'the first request is unconditional');
    const unlisted = await lookup('CVE-2024-3400');
    assert.equal(unlisted.known_exploited, false);
    assert.equal(unlisted.due_date, null);
    assert.equal(fake.downloads() - before, 1, 'the second lookup reads the catalog held in memory');
  });

  it('shares one download among concurrent lookups', async () => {
    const before = fake.downloads();
    await Promise.all(['CVE-2021-44228', 'CVE-2024-3400', 'CVE-2020-0001'].map((c) => lookup(c)));
    assert.equal(fake.downloads() - before, 1);
  });

  it('asks again after refresh_hours, conditionally: 304 keeps the catalog, a new one replaces it', async () => {
    await lookup('CVE-2021-44228', { refresh_hours: '6' });
    const downloads = fake.downloads();
    now += 7 * 3_600_000;
    await lookup('CVE-2024-3400', { refresh_hours: '6' });
    const conditional = fake.requests.at(-1)!;
    assert.match(String(conditional.headers['if-none-match']), /^"[0-9a-f]{16}"$/);
    assert.ok(conditional.headers['if-modified-since']);
    assert.equal(fake.downloads(), downloads, '304: nothing downloaded');
    fake.publish(kevCatalog([LOG4SHELL, PANOS], '2026.03.03'));
    now += 7 * 3_600_000;
    const added = await lookup('CVE-2024-3400', { refresh_hours: '6' });
    assert.equal(added.known_exploited, true);
    assert.equal(added.known_ransomware_use, 'Unknown');
    assert.equal(added.catalog.version, '2026.03.03');
    assert.equal(fake.downloads(), downloads + 1);
  });

  it('serves the catalog it holds, flagged stale, when a refresh fails; fails when it holds none', async () => {
    await lookup('CVE-2021-44228');
    fake.fault('server_error');
    now += 7 * 3_600_000;
    const stale = await lookup('CVE-2021-44228');
    assert.equal(stale.known_exploited, true);
    assert.equal(stale.catalog.stale, true);
    const asked = fake.requests.length;
    await lookup('CVE-2021-44228');
    assert.equal(fake.requests.length, asked, 'no new try for five minutes after a failure');

    const fresh = cisaKevIntegration(new KevCatalogCache(() => now));
    const error = await expectActionError(
      runIntegrationAction(fresh, 'lookup_cve', { cve: 'CVE-2021-44228' }, { baseUrl: fake.url }),
      'server_error',
    );
    assert.equal(error.retryable, true);
  });

  it('refuses an HTML page or a catalog cut short, instead of answering "not exploited"', async () => {
    fake.fault('html');
    await expectActionError(lookup('CVE-2021-44228'), 'invalid_response', { pattern: /text\/html/ });
    fake.fault('truncated');
    await expectActionError(lookup('CVE-2021-44228'), 'invalid_response', { pattern: /not JSON/ });
  });

  it('refuses a refresh interval that is not a number of hours', async () => {
    await expectActionError(lookup('CVE-2021-44228', { refresh_hours: 'daily' }), 'invalid_configuration');
  });

  it('records context for the case, not a verdict', async () => {
    const listed = await lookup('CVE-2021-44228');
    assert.deepEqual(findingOf(integration, 'lookup_cve', { cve: 'cve-2021-44228' }, listed), {
      observable: { type: 'cve', value: 'CVE-2021-44228' },
      finding: {
        verdict: 'unknown',
        score: null,
        summary: 'CISA KEV since 2021-12-10 (due 2021-12-24), used by ransomware',
      },
    });
  });
});

describe('KEV catalog parsing', () => {
  it('refuses a file without its version or its list, and skips entries without a CVE id', () => {
    assert.throws(() => parseKevCatalog({ vulnerabilities: [] }, null, null), /catalogVersion/);
    assert.throws(
      () => parseKevCatalog({ catalogVersion: '1', dateReleased: 'x' }, null, null),
      /"vulnerabilities"/,
    );
    const catalog = parseKevCatalog(
      {
        ...kevCatalog([LOG4SHELL, { cveID: 'not-a-cve' }]),
        vulnerabilities: [LOG4SHELL, { cveID: 'not-a-cve' }, 'junk'],
      },
      '"e"',
      null,
    );
    assert.deepEqual([...catalog.entries.keys()], ['CVE-2021-44228']);
    assert.equal(catalog.skipped, 2);
  });
});
