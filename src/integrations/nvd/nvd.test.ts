import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  expectActionError,
  findingOf,
  runIntegrationAction,
  testIntegrationConnection,
} from '../sdk/integration-test-kit.ts';
import { cvssMetric, fakeCve, startFakeNvd, type FakeNvd } from './fake-nvd.ts';
import { ActionError } from '../../core/action.ts';
import { parseCveAnswer, type CveRecord } from './nvd-cve.ts';
import { nvd } from './nvd-integration.ts';

const LOG4SHELL = fakeCve('CVE-2021-44228', {
  description: 'Apache Log4j2 JNDI features do not protect against attacker controlled LDAP endpoints.',
  metrics: {
    cvssMetricV31: [
      cvssMetric('3.1', 10.0, 'CRITICAL', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H'),
      cvssMetric('3.1', 9.8, 'CRITICAL', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'Secondary'),
    ],
    cvssMetricV2: [
      {
        source: 'nvd@nist.gov',
        type: 'Primary',
        cvssData: { version: '2.0', vectorString: 'AV:N/AC:M/Au:N/C:C/I:C/A:C', baseScore: 9.3 },
        baseSeverity: 'HIGH',
      },
    ],
  },
  cwes: ['CWE-917', 'CWE-502', 'NVD-CWE-noinfo', 'CWE-502'],
  kev: {
    added: '2021-12-10',
    due: '2021-12-24',
    action: 'For all affected software assets … apply updates per vendor instructions.',
    name: 'Apache Log4j2 Remote Code Execution Vulnerability',
  },
});
const V4_ONLY = fakeCve('CVE-2024-3400', {
  metrics: {
    cvssMetricV40: [
      cvssMetric(
        '4.0',
        10.0,
        'CRITICAL',
        'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H',
        'Secondary',
      ),
    ],
  },
});
const V2_ONLY = fakeCve('CVE-1999-0001', {
  metrics: {
    cvssMetricV2: [
      {
        source: 'nvd@nist.gov',
        type: 'Primary',
        cvssData: { version: '2.0', vectorString: 'AV:N/AC:L/Au:N/C:N/I:N/A:P', baseScore: 5.0 },
        baseSeverity: 'MEDIUM',
      },
    ],
  },
});
const MISMATCH = fakeCve('CVE-2000-0001');

describe('nvd', () => {
  let fake: FakeNvd;
  before(async () => {
    fake = await startFakeNvd({
      cves: [LOG4SHELL, V4_ONLY, V2_ONLY],
      publicLimit: 1_000,
      unavailable: ['CVE-2023-0001'],
    });
  });
  after(() => fake.close());
  const lookup = (cve: string, fields: Record<string, string> = {}) =>
    runIntegrationAction(nvd, 'lookup_cve', { cve }, { baseUrl: fake.url, fields }) as Promise<CveRecord>;

  it('reads CVSS v3.1 (the NVD’s own score first), description, CWEs and the CISA KEV fields', async () => {
    const record = await lookup('CVE-2021-44228');
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/rest/json/cves/2.0');
    assert.equal(request.query.get('cveId'), 'CVE-2021-44228');
    assert.equal(request.headers['apikey'], undefined, 'no key configured, none sent');
    assert.equal(record.found, true);
    assert.deepEqual(record.cvss, {
      version: '3.1',
      score: 10,
      severity: 'CRITICAL',
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
      source: 'nvd@nist.gov',
      type: 'Primary',
    });
    assert.equal(record.score, 10);
    assert.equal(record.severity, 'CRITICAL');
    assert.equal(record.cvss_v40, null);
    assert.match(record.description!, /^Apache Log4j2 JNDI/);
    assert.deepEqual(record.cwes, ['CWE-917', 'CWE-502']);
    assert.equal(record.known_exploited, true);
    assert.deepEqual(record.cisa, {
      date_added: '2021-12-10',
      action_due: '2021-12-24',
      required_action: 'For all affected software assets … apply updates per vendor instructions.',
      name: 'Apache Log4j2 Remote Code Execution Vulnerability',
    });
    assert.equal(record.link, 'https://nvd.nist.gov/vuln/detail/CVE-2021-44228');
  });

  it('falls back to CVSS v4.0, then v2.0 (whose severity sits beside cvssData)', async () => {
    const v4 = await lookup('CVE-2024-3400');
    assert.equal(v4.cvss?.version, '4.0');
    assert.equal(v4.cvss?.type, 'Secondary');
    assert.deepEqual(v4.cvss_v40, v4.cvss);
    assert.equal(v4.known_exploited, false);
    const v2 = await lookup('CVE-1999-0001');
    assert.equal(v2.cvss?.version, '2.0');
    assert.equal(v2.severity, 'MEDIUM');
  });

  it('answers found: false for an id the NVD does not hold, and upper-cases what it sends', async () => {
    const record = await lookup('cve-2099-12345');
    assert.equal(fake.requests.at(-1)!.query.get('cveId'), 'CVE-2099-12345');
    assert.equal(record.found, false);
    assert.equal(record.cve, 'CVE-2099-12345');
    assert.equal(record.score, null);
  });

  it('sends the API key in the apiKey header; a refused key is unauthorized, never retried, never echoed', async () => {
    await lookup('CVE-2021-44228', { api_key: fake.apiKey });
    assert.equal(fake.requests.at(-1)!.headers['apikey'], fake.apiKey);
    const wrong = '00000000-dead-beef-0000-000000000000';
    const error = await expectActionError(lookup('CVE-2021-44228', { api_key: wrong }), 'unauthorized', {
      pattern: /Invalid apiKey/,
      secrets: [wrong],
    });
    assert.equal(error.retryable, false);
  });

  it('turns a 503 into a retryable error', async () => {
    const busy = await expectActionError(lookup('CVE-2023-0001'), 'server_error');
    assert.equal(busy.retryable, true);
  });

  it('refuses answers that are not a CVE API page, or that hold another CVE', () => {
    assert.throws(
      () => parseCveAnswer('CVE-2000-0001', { message: 'maintenance' }),
      /"vulnerabilities" list/,
    );
    assert.throws(
      () => parseCveAnswer('CVE-2000-0009', { vulnerabilities: [{ cve: MISMATCH }] }),
      (e: unknown) =>
        e instanceof ActionError &&
        e.code === 'invalid_response' &&
        /CVE-2000-0001 when asked for CVE-2000-0009/.test(e.message),
    );
    assert.throws(
      () =>
        parseCveAnswer('CVE-2000-0001', {
          vulnerabilities: [
            { cve: { ...MISMATCH, metrics: { cvssMetricV31: [{ type: 'Primary', cvssData: {} }] } } },
          ],
        }),
      /cvssMetricV31 without a baseScore/,
    );
  });

  it('records a finding that gives context, not a verdict', async () => {
    const record = await lookup('CVE-2021-44228');
    const { observable, finding } = findingOf(nvd, 'lookup_cve', { cve: 'cve-2021-44228' }, record);
    assert.deepEqual(observable, { type: 'cve', value: 'CVE-2021-44228' });
    assert.deepEqual(finding, {
      verdict: 'unknown',
      score: null,
      summary: 'CVSS 3.1 10 CRITICAL, CWE-917 CWE-502, known exploited (CISA)',
    });
  });

  it('checks the connection with a one-item page', async () => {
    await testIntegrationConnection(nvd, { baseUrl: fake.url });
    assert.equal(fake.requests.at(-1)!.query.get('resultsPerPage'), '1');
  });
});

describe('nvd rate limit', () => {
  it('answers 403 past the public limit as rate_limited, retried after the 30 s window', async () => {
    const fake = await startFakeNvd({ cves: [LOG4SHELL], publicLimit: 1 });
    try {
      const options = { baseUrl: fake.url };
      await runIntegrationAction(nvd, 'lookup_cve', { cve: 'CVE-2021-44228' }, options);
      const error = await expectActionError(
        runIntegrationAction(nvd, 'lookup_cve', { cve: 'CVE-2021-44228' }, options),
        'rate_limited',
        { pattern: /403/ },
      );
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfterMs, 30_000);
    } finally {
      await fake.close();
    }
  });
});
