import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FakeServer } from '../sdk/fake-server.ts';
import {
  findingOf,
  runIntegrationAction,
  testIntegrationConnection,
  expectActionError,
} from '../sdk/integration-test-kit.ts';
import { FAKE_SHODAN_KEY, startFakeShodan } from './fake-shodan.ts';
import { shodan, type HostOutput } from './shodan-integration.ts';
import { shodanFinding } from './shodan-verdict.ts';

const failsWith = (promise: Promise<unknown>, code: string, pattern?: RegExp) =>
  expectActionError(promise, code, { pattern, secrets: [FAKE_SHODAN_KEY] });

describe('shodan', () => {
  let fake: FakeServer;
  const run = (input: Record<string, unknown>, key = FAKE_SHODAN_KEY) =>
    runIntegrationAction(shodan, 'host', input, {
      baseUrl: fake.url,
      fields: { api_key: key },
    }) as Promise<HostOutput>;

  before(async () => {
    fake = await startFakeShodan({
      hosts: {
        '93.184.216.34': {
          hostnames: ['www.example.com'],
          domains: ['example.com'],
          org: 'Example Org',
          isp: 'Example ISP',
          asn: 'AS15133',
          country_code: 'US',
          country_name: 'United States',
          city: 'Norwell',
          os: 'Linux',
          tags: ['cdn'],
          last_update: '2024-04-29T10:00:00.000000',
          services: [
            { port: 443, product: 'nginx', version: '1.18.0', vulns: ['CVE-2021-23017'] },
            { port: 22, product: 'OpenSSH', version: '7.4', vulns: ['CVE-2018-15473', 'CVE-2021-23017'] },
          ],
        },
        '1.1.1.1': { org: 'Cloudflare', services: [{ port: 53, transport: 'udp' }] },
        '203.0.113.66': { tags: ['c2'], services: [{ port: 8443, product: 'Cobalt Strike Beacon' }] },
      },
      faults: { '198.51.100.1': 'server_error', '198.51.100.2': 'html', '198.51.100.3': 'garbage' },
    });
  });
  after(() => fake.close());

  it('sends GET /shodan/host/{ip} with the key as a query parameter, and nothing else', async () => {
    fake.requests.length = 0;
    await run({ ip: '93.184.216.34' });
    const [request] = fake.requests;
    assert.equal(request?.method, 'GET');
    assert.equal(request?.path, '/shodan/host/93.184.216.34');
    assert.deepEqual(Object.fromEntries(request!.query), { key: FAKE_SHODAN_KEY });
    await run({ ip: '93.184.216.34', history: true });
    assert.equal(fake.requests[1]?.query.get('history'), 'true');
  });

  it('reads ports, services, network facts, tags and the CVE list', async () => {
    const output = await run({ ip: '93.184.216.34' });
    assert.deepEqual(output.ports, [22, 443]);
    assert.deepEqual(output.hostnames, ['www.example.com']);
    assert.equal(output.org, 'Example Org');
    assert.equal(output.isp, 'Example ISP');
    assert.equal(output.asn, 'AS15133');
    assert.equal(output.countryCode, 'US');
    assert.equal(output.os, 'Linux');
    assert.deepEqual(output.vulns, ['CVE-2018-15473', 'CVE-2021-23017']);
    assert.deepEqual(output.tags, ['cdn']);
    assert.equal(output.lastUpdate, '2024-04-29T10:00:00.000000');
    assert.deepEqual(output.services[1], { port: 22, transport: 'tcp', product: 'OpenSSH', version: '7.4' });
    assert.deepEqual(findingOf(shodan, 'host', { ip: '93.184.216.34' }, output), {
      observable: { type: 'ipv4', value: '93.184.216.34' },
      finding: {
        verdict: 'suspicious',
        score: 50,
        summary: '2 known CVEs (CVE-2018-15473, CVE-2021-23017); 2 open ports',
      },
    });
  });

  it('calls a host with no CVEs unknown, and a host Shodan tags c2 malicious', async () => {
    const clean = await run({ ip: '1.1.1.1' });
    assert.deepEqual(clean.services, [{ port: 53, transport: 'udp', product: null, version: null }]);
    assert.deepEqual(findingOf(shodan, 'host', { ip: '1.1.1.1' }, clean).finding, {
      verdict: 'unknown',
      score: 0,
      summary: '1 open port, no known CVEs',
    });
    const c2 = await run({ ip: '203.0.113.66' });
    assert.equal(findingOf(shodan, 'host', { ip: '203.0.113.66' }, c2).finding.verdict, 'malicious');
  });

  it('takes 404 "No information available for that IP." as unknown, not an error', async () => {
    const output = await run({ ip: '192.0.2.200' });
    assert.equal(output.observed, false);
    assert.deepEqual(output.ports, []);
    assert.deepEqual(findingOf(shodan, 'host', { ip: '192.0.2.200' }, output).finding, {
      verdict: 'unknown',
      score: null,
      summary: 'Shodan has no information on this IP',
    });
  });

  it('caps the vulnerability score below malicious', () => {
    const scoreFor = (n: number) =>
      shodanFinding({
        observed: true,
        ports: [80],
        tags: [],
        vulns: Array.from({ length: n }, (_, i) => `CVE-2020-${1000 + i}`),
      }).score;
    assert.deepEqual([scoreFor(1), scoreFor(3), scoreFor(4), scoreFor(40)], [40, 60, 70, 70]);
  });

  it('fails a wrong key (nginx’s HTML 401) as unauthorized, with the key masked', async () => {
    const error = await failsWith(run({ ip: '93.184.216.34' }, 'WrongKey0000'), 'unauthorized', /key=\*\*\*/);
    assert.equal(error.retryable, false);
  });

  it('turns a 503, an HTML page and a body that is not JSON into clear errors', async () => {
    assert.equal(
      (await failsWith(run({ ip: '198.51.100.1' }), 'server_error', /answered 503/)).retryable,
      true,
    );
    await failsWith(run({ ip: '198.51.100.2' }), 'invalid_response', /text\/html/);
    await failsWith(run({ ip: '198.51.100.3' }), 'invalid_response', /not JSON/);
  });

  it('does not take a 404 from somewhere else for "not in Shodan"', async () => {
    await failsWith(
      runIntegrationAction(
        shodan,
        'host',
        { ip: '192.0.2.200' },
        { baseUrl: `${fake.url}/wrong`, fields: { api_key: FAKE_SHODAN_KEY } },
      ),
      'invalid_response',
      /404 without an "error"/,
    );
  });

  it('checks the connection with /api-info', async () => {
    fake.requests.length = 0;
    await testIntegrationConnection(shodan, { baseUrl: fake.url, fields: { api_key: FAKE_SHODAN_KEY } });
    assert.equal(fake.requests[0]?.path, '/api-info');
    await failsWith(
      testIntegrationConnection(shodan, { baseUrl: fake.url, fields: { api_key: 'nope' } }),
      'unauthorized',
    );
  });
});

describe('shodan request rate', () => {
  it('answers 429 with Shodan’s error once the limit is reached', async () => {
    const fake = await startFakeShodan({ requestLimit: 1, hosts: { '1.1.1.1': { services: [] } } });
    try {
      const options = { baseUrl: fake.url, fields: { api_key: FAKE_SHODAN_KEY } };
      await runIntegrationAction(shodan, 'host', { ip: '1.1.1.1' }, options);
      const error = await failsWith(
        runIntegrationAction(shodan, 'host', { ip: '1.1.1.1' }, options),
        'rate_limited',
        /Request rate limit reached/,
      );
      assert.equal(error.retryable, true);
    } finally {
      await fake.close();
    }
  });
});
