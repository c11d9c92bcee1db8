import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  findingOf,
  runIntegrationAction,
  testIntegrationConnection,
  expectActionError,
} from '../sdk/integration-test-kit.ts';
import { FAKE_OTX_KEY, startFakeOtx, type FakeOtx, type FakeOtxPulse } from './fake-otx.ts';
import { otx, type IndicatorOutput } from './otx-integration.ts';
import { otxFinding } from './otx-verdict.ts';

const failsWith = (promise: Promise<unknown>, code: string, pattern?: RegExp) =>
  expectActionError(promise, code, { pattern, secrets: [FAKE_OTX_KEY] });

const pulse = (n: number, extra: Partial<FakeOtxPulse> = {}): FakeOtxPulse => ({
  id: `6600000000000000000000${String(n).padStart(2, '0')}`,
  name: `Pulse ${n}`,
  created: `2024-04-${String(n).padStart(2, '0')}T10:00:00.000000`,
  ...extra,
});

const SHA256 = 'a'.repeat(63) + 'b';

describe('otx', () => {
  let fake: FakeOtx;
  const run = (input: Record<string, unknown>, key = FAKE_OTX_KEY) =>
    runIntegrationAction(otx, 'indicator', input, {
      baseUrl: fake.baseUrl,
      fields: { api_key: key },
    }) as Promise<IndicatorOutput>;
  const finding = (input: Record<string, unknown>, output: IndicatorOutput) =>
    findingOf(otx, 'indicator', input, output);

  before(async () => {
    fake = await startFakeOtx({
      indicators: {
        'IPv4/45.83.66.10': {
          reputation: 2,
          count: 7,
          pulses: [
            pulse(1, { tags: ['mirai', 'botnet'], malware_families: ['Mirai'], TLP: 'green' }),
            pulse(2, { tags: ['scanner'] }),
          ],
        },
        'domain/bad.example': { pulses: [pulse(3, { malware_families: ['AsyncRAT'] })] },
        'domain/google.com': {
          count: 40,
          pulses: [pulse(4)],
          validation: [
            { source: 'akamai', message: 'Akamai rank: #3', name: 'Akamai Popular Domain' },
            { source: 'whitelist', message: 'Whitelisted domain google.com', name: 'Whitelisted domain' },
          ],
        },
        [`file/${SHA256}`]: { pulses: [1, 2, 3, 4, 5].map((n) => pulse(n)) },
        'url/http://evil.example/a?b=1': { pulses: [pulse(6)] },
        'cve/CVE-2021-44228': { pulses: [pulse(7, { tags: ['log4shell'] })] },
      },
      subscribed: [pulse(1), pulse(2), pulse(3)],
      faults: {
        'IPv4/198.51.100.1': 'server_error',
        'IPv4/198.51.100.2': 'html',
        'IPv4/198.51.100.3': 'garbage',
      },
    });
  });
  after(() => fake.close());

  it('sends GET /api/v1/indicators/{type}/{value}/general with X-OTX-API-KEY', async () => {
    fake.requests.length = 0;
    await run({ value: '45.83.66.10' });
    const [request] = fake.requests;
    assert.equal(request?.method, 'GET');
    assert.equal(request?.path, '/api/v1/indicators/IPv4/45.83.66.10/general');
    assert.equal(request?.headers['x-otx-api-key'], FAKE_OTX_KEY);
    assert.equal([...request!.query].length, 0);
  });

  it('uses OTX’s path slug for every type, inferred or given, and encodes URLs into one segment', async () => {
    fake.requests.length = 0;
    await run({ value: '2001:db8::1' });
    await run({ value: 'bad.example' });
    await run({ value: 'www.bad.example', type: 'hostname' });
    await run({ value: 'http://evil.example/a?b=1' });
    await run({ value: SHA256 });
    await run({ value: 'cve-2021-44228', type: 'cve' });
    assert.deepEqual(
      fake.requests.map((r) => r.path),
      [
        '/api/v1/indicators/IPv6/2001%3Adb8%3A%3A1/general',
        '/api/v1/indicators/domain/bad.example/general',
        '/api/v1/indicators/hostname/www.bad.example/general',
        '/api/v1/indicators/url/http%3A%2F%2Fevil.example%2Fa%3Fb%3D1/general',
        `/api/v1/indicators/file/${SHA256}/general`,
        '/api/v1/indicators/cve/cve-2021-44228/general',
      ],
    );
  });

  it('reads the pulse count, pulses, malware families, reputation and validation', async () => {
    const output = await run({ value: '45.83.66.10' });
    assert.equal(output.pulseCount, 7, 'OTX counts more pulses than it lists');
    assert.equal(output.pulses.length, 2);
    assert.deepEqual(output.pulses[0], {
      id: '660000000000000000000001',
      name: 'Pulse 1',
      tags: ['mirai', 'botnet'],
      malwareFamilies: ['Mirai'],
      created: '2024-04-01T10:00:00.000000',
      modified: '2024-04-01T10:00:00.000000',
      tlp: 'green',
      adversary: null,
    });
    assert.deepEqual(output.malwareFamilies, ['Mirai']);
    assert.equal(output.reputation, 2);
    assert.equal(output.typeTitle, 'IPv4');
    assert.equal(output.link, 'https://otx.alienvault.com/indicator/ip/45.83.66.10');
    assert.deepEqual(finding({ value: '45.83.66.10' }, output), {
      observable: { type: 'ipv4', value: '45.83.66.10' },
      finding: { verdict: 'malicious', score: 85, summary: 'in 7 OTX pulses' },
    });
  });

  it('maps pulse counts and whitelisting to verdicts', async () => {
    const one = await run({ value: 'bad.example' });
    assert.deepEqual(finding({ value: 'bad.example' }, one).finding, {
      verdict: 'suspicious',
      score: 30,
      summary: 'in 1 OTX pulse',
    });
    const google = await run({ value: 'google.com' });
    assert.equal(google.whitelisted, true);
    assert.deepEqual(finding({ value: 'google.com' }, google).finding, {
      verdict: 'benign',
      score: 0,
      summary: 'whitelisted by OTX (40 OTX pulses)',
    });
    const file = await run({ value: SHA256 });
    assert.deepEqual(finding({ value: SHA256 }, file), {
      observable: { type: 'sha256', value: SHA256 },
      finding: { verdict: 'malicious', score: 75, summary: 'in 5 OTX pulses' },
    });
    const cve = await run({ value: 'CVE-2021-44228' });
    assert.deepEqual(finding({ value: 'CVE-2021-44228' }, cve).observable, {
      type: 'cve',
      value: 'CVE-2021-44228',
    });
    const scores = [0, 1, 4, 5, 10, 30].map(
      (pulseCount) =>
        otxFinding({ observed: true, pulseCount, whitelisted: false, falsePositive: false }).score,
    );
    assert.deepEqual(scores, [null, 30, 60, 75, 100, 100]);
    assert.equal(
      otxFinding({ observed: true, pulseCount: 9, whitelisted: false, falsePositive: true }).verdict,
      'benign',
    );
  });

  it('answers an IP in no pulse, and a URL OTX has no page for (404), with unknown', async () => {
    const quiet = await run({ value: '203.0.113.5' });
    assert.equal(quiet.observed, true);
    assert.equal(quiet.pulseCount, 0);
    assert.equal(finding({ value: '203.0.113.5' }, quiet).finding.verdict, 'unknown');
    const unseen = await run({ value: 'https://never.example/x' });
    assert.equal(unseen.observed, false);
    assert.deepEqual(finding({ value: 'https://never.example/x' }, unseen).finding, {
      verdict: 'unknown',
      score: null,
      summary: 'in no OTX pulse',
    });
  });

  it('asks for a type when the value does not say', async () => {
    fake.requests.length = 0;
    await failsWith(run({ value: 'not an indicator' }), 'invalid_input', /give its type/);
    assert.equal(fake.requests.length, 0);
  });

  it('fails a missing or wrong key (OTX answers 403) as unauthorized', async () => {
    const error = await failsWith(
      run({ value: '45.83.66.10' }, 'wrong'),
      'unauthorized',
      /answered 403.*Invalid API key/,
    );
    assert.equal(error.retryable, false);
    await failsWith(
      runIntegrationAction(otx, 'indicator', { value: '45.83.66.10' }, { baseUrl: fake.baseUrl }),
      'unauthorized',
      /Authentication credentials were not provided/,
    );
  });

  it('turns a 500, an HTML page and an off-shape body into clear errors', async () => {
    assert.equal(
      (await failsWith(run({ value: '198.51.100.1' }), 'server_error', /answered 500/)).retryable,
      true,
    );
    await failsWith(run({ value: '198.51.100.2' }), 'invalid_response', /text\/html/);
    await failsWith(run({ value: '198.51.100.3' }), 'invalid_response', /pulse_info\.count/);
  });

  it('checks the connection with the subscribed-pulses feed, which pages', async () => {
    fake.requests.length = 0;
    await testIntegrationConnection(otx, { baseUrl: fake.baseUrl, fields: { api_key: FAKE_OTX_KEY } });
    assert.equal(fake.requests[0]?.path, '/api/v1/pulses/subscribed');
    assert.equal(fake.requests[0]?.query.get('limit'), '1');
    const page = await fetch(`${fake.baseUrl}/pulses/subscribed?limit=2`, {
      headers: { 'X-OTX-API-KEY': FAKE_OTX_KEY },
    }).then((r) => r.json() as Promise<{ results: unknown[]; count: number; next: string | null }>);
    assert.equal(page.count, 3);
    assert.equal(page.results.length, 2);
    assert.match(page.next ?? '', /page=2/);
    await failsWith(
      testIntegrationConnection(otx, { baseUrl: fake.baseUrl, fields: { api_key: 'x' } }),
      'unauthorized',
    );
  });
});

describe('otx throttling', () => {
  it('answers 429 with Retry-After once the limit is reached', async () => {
    const fake = await startFakeOtx({ requestLimit: 1 });
    try {
      const options = { baseUrl: fake.baseUrl, fields: { api_key: FAKE_OTX_KEY } };
      await runIntegrationAction(otx, 'indicator', { value: '203.0.113.1' }, options);
      const error = await failsWith(
        runIntegrationAction(otx, 'indicator', { value: '203.0.113.1' }, options),
        'rate_limited',
        /throttled/,
      );
      assert.equal(error.retryAfterMs, 60_000);
    } finally {
      await fake.close();
    }
  });
});
