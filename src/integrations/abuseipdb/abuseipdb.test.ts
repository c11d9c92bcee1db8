import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startFakeServer } from '../sdk/fake-server.ts';
import {
  findingOf,
  runIntegrationAction,
  testIntegrationConnection,
  expectActionError,
} from '../sdk/integration-test-kit.ts';
import { abuseipdb, type CheckIpOutput } from './abuseipdb-integration.ts';
import { abuseIpdbFinding } from './abuseipdb-verdict.ts';
import { FAKE_ABUSEIPDB_KEY, startFakeAbuseIpdb, type FakeAbuseIpdb } from './fake-abuseipdb.ts';

const NOW = new Date('2024-05-01T12:00:00Z');
const daysAgo = (n: number) =>
  new Date(NOW.getTime() - n * 86_400_000).toISOString().replace('.000Z', '+00:00');

const failsWith = (promise: Promise<unknown>, code: string, pattern?: RegExp) =>
  expectActionError(promise, code, { pattern, secrets: [FAKE_ABUSEIPDB_KEY] });

describe('abuseipdb', () => {
  let fake: FakeAbuseIpdb;
  const run = (input: Record<string, unknown>, key = FAKE_ABUSEIPDB_KEY) =>
    runIntegrationAction(abuseipdb, 'check_ip', input, {
      baseUrl: fake.baseUrl,
      fields: { api_key: key },
    }) as Promise<CheckIpOutput>;

  before(async () => {
    fake = await startFakeAbuseIpdb({
      now: () => NOW,
      addresses: {
        '185.220.101.4': {
          abuseConfidenceScore: 100,
          countryCode: 'DE',
          countryName: 'Germany',
          usageType: 'Data Center/Web Hosting/Transit',
          isp: 'Example Hosting GmbH',
          domain: 'example-hosting.de',
          hostnames: ['tor-exit.example-hosting.de'],
          isTor: true,
          reports: [
            { reportedAt: daysAgo(1), comment: 'ssh brute force', categories: [18, 22], reporterId: 7 },
            { reportedAt: daysAgo(3), comment: 'port scan', categories: [14], reporterId: 9 },
            { reportedAt: daysAgo(200), comment: 'old', categories: [4], reporterId: 11 },
          ],
        },
        '8.8.8.8': { abuseConfidenceScore: 0, isWhitelisted: true, isp: 'Google LLC', countryCode: 'US' },
      },
      faults: {
        '198.51.100.1': 'server_error',
        '198.51.100.2': 'html',
        '198.51.100.3': 'garbage',
        '198.51.100.4': 'wrong_shape',
      },
    });
  });
  after(() => fake.close());

  it('sends GET /api/v2/check with the Key and Accept headers and the documented query', async () => {
    fake.requests.length = 0;
    await run({ ip: '185.220.101.4', maxAgeInDays: 30 });
    const [request] = fake.requests;
    assert.equal(request?.method, 'GET');
    assert.equal(request?.path, '/api/v2/check');
    assert.equal(request?.headers['key'], FAKE_ABUSEIPDB_KEY);
    assert.equal(request?.headers['accept'], 'application/json');
    assert.deepEqual(Object.fromEntries(request!.query), {
      ipAddress: '185.220.101.4',
      maxAgeInDays: '30',
      verbose: 'true',
    });
  });

  it('reads score, reports, network facts and report categories', async () => {
    const output = await run({ ip: '185.220.101.4', maxAgeInDays: 90 });
    assert.equal(output.abuseConfidenceScore, 100);
    assert.equal(output.totalReports, 2, 'the 200-day-old report is outside maxAgeInDays');
    assert.equal(output.numDistinctUsers, 2);
    assert.equal(output.countryCode, 'DE');
    assert.equal(output.countryName, 'Germany');
    assert.equal(output.isp, 'Example Hosting GmbH');
    assert.equal(output.usageType, 'Data Center/Web Hosting/Transit');
    assert.equal(output.domain, 'example-hosting.de');
    assert.deepEqual(output.hostnames, ['tor-exit.example-hosting.de']);
    assert.equal(output.isTor, true);
    assert.equal(output.isWhitelisted, false);
    assert.equal(output.lastReportedAt, daysAgo(1));
    assert.deepEqual(output.reportCategories, [
      { id: 14, name: 'Port Scan' },
      { id: 18, name: 'Brute-Force' },
      { id: 22, name: 'SSH' },
    ]);
    assert.equal(output.recentReports[0]?.comment, 'ssh brute force');
    assert.equal(output.link, 'https://www.abuseipdb.com/check/185.220.101.4');
    assert.deepEqual(findingOf(abuseipdb, 'check_ip', { ip: '185.220.101.4' }, output), {
      observable: { type: 'ipv4', value: '185.220.101.4' },
      finding: {
        verdict: 'malicious',
        score: 100,
        summary: 'abuse confidence 100 % (2 reports from 2 users)',
      },
    });
  });

  it('leaves out verbose when asked to, and then has no report categories', async () => {
    fake.requests.length = 0;
    const output = await run({ ip: '185.220.101.4', verbose: false });
    assert.equal(fake.requests[0]?.query.has('verbose'), false);
    assert.equal(output.countryName, null);
    assert.deepEqual(output.reportCategories, []);
    assert.equal(output.totalReports, 2);
  });

  it('answers an address nobody reported with unknown, not an error', async () => {
    const output = await run({ ip: '203.0.113.77' });
    assert.equal(output.totalReports, 0);
    assert.equal(output.lastReportedAt, null);
    const { finding } = findingOf(abuseipdb, 'check_ip', { ip: '203.0.113.77' }, output);
    assert.deepEqual(finding, { verdict: 'unknown', score: 0, summary: 'never reported to AbuseIPDB' });
  });

  it('calls a whitelisted address benign and types an IPv6 observable', async () => {
    const output = await run({ ip: '8.8.8.8' });
    assert.equal(findingOf(abuseipdb, 'check_ip', { ip: '8.8.8.8' }, output).finding.verdict, 'benign');
    const v6 = await run({ ip: '2001:db8::1' });
    assert.equal(v6.ipVersion, 6);
    assert.deepEqual(findingOf(abuseipdb, 'check_ip', { ip: '2001:db8::1' }, v6).observable, {
      type: 'ipv6',
      value: '2001:db8::1',
    });
  });

  it('maps confidence to a verdict at the documented thresholds', () => {
    const at = (score: number, totalReports = 5) =>
      abuseIpdbFinding({
        abuseConfidenceScore: score,
        totalReports,
        numDistinctUsers: 1,
        isWhitelisted: false,
      }).verdict;
    assert.deepEqual(
      [at(100), at(75), at(74), at(25), at(24), at(1), at(0, 0)],
      ['malicious', 'malicious', 'suspicious', 'suspicious', 'unknown', 'unknown', 'unknown'],
    );
    assert.equal(
      abuseIpdbFinding({
        abuseConfidenceScore: 90,
        totalReports: 9,
        numDistinctUsers: 3,
        isWhitelisted: true,
      }).verdict,
      'benign',
    );
  });

  it('refuses a value that is not an IP without calling AbuseIPDB', async () => {
    fake.requests.length = 0;
    await failsWith(run({ ip: '999.1.1.1' }), 'invalid_input');
    assert.equal(fake.requests.length, 0);
  });

  it('fails a wrong key as unauthorized, not retryable, with AbuseIPDB’s reason', async () => {
    const error = await failsWith(
      run({ ip: '185.220.101.4' }, 'wrong-key'),
      'unauthorized',
      /Authentication failed/,
    );
    assert.equal(error.retryable, false);
  });

  it('turns a 500, an HTML page and a broken body into clear errors', async () => {
    const server = await failsWith(run({ ip: '198.51.100.1' }), 'server_error', /answered 500/);
    assert.equal(server.retryable, true);
    await failsWith(run({ ip: '198.51.100.2' }), 'invalid_response', /text\/html/);
    await failsWith(run({ ip: '198.51.100.3' }), 'invalid_response', /not JSON/);
    await failsWith(run({ ip: '198.51.100.4' }), 'invalid_response', /abuseConfidenceScore/);
  });

  it('checks the connection with a cheap authenticated call', async () => {
    await testIntegrationConnection(abuseipdb, {
      baseUrl: fake.baseUrl,
      fields: { api_key: FAKE_ABUSEIPDB_KEY },
    });
    await failsWith(
      testIntegrationConnection(abuseipdb, { baseUrl: fake.baseUrl, fields: { api_key: 'nope' } }),
      'unauthorized',
    );
  });
});

describe('abuseipdb daily quota', () => {
  it('answers 429 with the documented body and Retry-After once the quota is spent', async () => {
    const fake = await startFakeAbuseIpdb({ dailyLimit: 2, now: () => NOW });
    try {
      const options = { baseUrl: fake.baseUrl, fields: { api_key: FAKE_ABUSEIPDB_KEY } };
      await runIntegrationAction(abuseipdb, 'check_ip', { ip: '203.0.113.1' }, options);
      await runIntegrationAction(abuseipdb, 'check_ip', { ip: '203.0.113.2' }, options);
      const error = await failsWith(
        runIntegrationAction(abuseipdb, 'check_ip', { ip: '203.0.113.3' }, options),
        'rate_limited',
        /Daily rate limit of 2 requests exceeded/,
      );
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfterMs, 12 * 3600 * 1000, 'until midnight UTC, from Retry-After');
    } finally {
      await fake.close();
    }
  });
});

// Real AbuseIPDB answers collected beside the project (see ../shared/fixtures/README.md); CI has them.
const samples = new URL('../../../../shared/fixtures/abuseipdb-v2/', import.meta.url);
const haveSamples = existsSync(samples);

describe(
  'abuseipdb conformance with recorded answers',
  { skip: haveSamples ? false : `no ${samples.pathname}` },
  () => {
    const serve = async (status: number, body: string) => {
      const server = await startFakeServer([
        [
          'GET',
          '/api/v2/check',
          () => ({ status, text: body, headers: { 'content-type': 'application/json' } }),
        ],
      ]);
      return server;
    };
    const read = (name: string) => readFileSync(new URL(name, samples), 'utf8');

    for (const [file, ip, verdict, score, categories] of [
      ['abuseipdb-v2-check-verbose.docs-example.json', '118.25.6.39', 'malicious', 100, [18, 22]],
      ['abuseipdb-v2-check-verbose.cisco-tr05.json', '180.126.219.126', 'unknown', 21, [15, 18, 20, 21]],
    ] as const) {
      it(`parses ${file}`, async () => {
        const server = await serve(200, read(file));
        try {
          const output = (await runIntegrationAction(
            abuseipdb,
            'check_ip',
            { ip },
            { baseUrl: `${server.url}/api/v2`, fields: { api_key: 'k' } },
          )) as CheckIpOutput;
          assert.equal(output.ipAddress, ip);
          assert.equal(output.abuseConfidenceScore, score);
          assert.deepEqual(
            output.reportCategories.map((c) => c.id),
            categories,
          );
          const { finding } = findingOf(abuseipdb, 'check_ip', { ip }, output);
          assert.equal(finding.verdict, verdict);
          assert.equal(finding.score, score);
        } finally {
          await server.close();
        }
      });
    }

    it('reads the recorded 401 and 429 bodies as unauthorized and rate_limited', async () => {
      const recorded = JSON.parse(read('abuseipdb-v2-error-responses.cisco-tr05.json')) as Record<
        string,
        unknown
      >;
      for (const [status, code, pattern] of [
        [401, 'unauthorized', /Authentication failed/],
        [429, 'rate_limited', /Daily rate limit of 1000 requests exceeded/],
      ] as const) {
        const server = await startFakeServer([
          [
            'GET',
            '/api/v2/check',
            () => ({ status, json: recorded[`HTTP ${status}`], headers: { 'retry-after': '3600' } }),
          ],
        ]);
        try {
          await failsWith(
            runIntegrationAction(
              abuseipdb,
              'check_ip',
              { ip: '1.2.3.4' },
              { baseUrl: `${server.url}/api/v2` },
            ),
            code,
            pattern,
          );
        } finally {
          await server.close();
        }
      }
    });
  },
);
