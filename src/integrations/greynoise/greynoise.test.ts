import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  findingOf,
  runIntegrationAction,
  testIntegrationConnection,
  expectActionError,
} from '../sdk/integration-test-kit.ts';
import {
  FAKE_GREYNOISE_KEY,
  NOT_OBSERVED,
  startFakeGreynoise,
  type FakeGreynoise,
} from './fake-greynoise.ts';
import { greynoise, greynoiseFinding, type LookupIpOutput } from './greynoise-integration.ts';

const failsWith = (promise: Promise<unknown>, code: string, pattern?: RegExp) =>
  expectActionError(promise, code, { pattern, secrets: [FAKE_GREYNOISE_KEY] });

describe('greynoise', () => {
  let fake: FakeGreynoise;
  const run = (ip: string, key = FAKE_GREYNOISE_KEY) =>
    runIntegrationAction(
      greynoise,
      'lookup_ip',
      { ip },
      { baseUrl: fake.baseUrl, fields: { api_key: key } },
    ) as Promise<LookupIpOutput>;
  const verdictOf = (ip: string, output: LookupIpOutput) =>
    findingOf(greynoise, 'lookup_ip', { ip }, output).finding;

  before(async () => {
    fake = await startFakeGreynoise({
      addresses: {
        '45.83.66.10': {
          noise: true,
          riot: false,
          classification: 'malicious',
          name: 'unknown',
          last_seen: '2024-04-30',
        },
        '8.8.8.8': {
          noise: false,
          riot: true,
          classification: 'benign',
          name: 'Google Public DNS',
          last_seen: '2024-04-30',
        },
        '71.6.135.131': {
          noise: true,
          riot: false,
          classification: 'benign',
          name: 'Shodan.io',
          last_seen: '2024-04-29',
        },
        '92.63.197.1': {
          noise: true,
          riot: false,
          classification: 'unknown',
          name: 'unknown',
          last_seen: '2024-04-01',
        },
      },
      faults: { '198.51.100.1': 'server_error', '198.51.100.2': 'html', '198.51.100.3': 'garbage' },
    });
  });
  after(() => fake.close());

  it('sends GET /v3/community/{ip} with the key header and no query', async () => {
    fake.requests.length = 0;
    await run('45.83.66.10');
    const [request] = fake.requests;
    assert.equal(request?.method, 'GET');
    assert.equal(request?.path, '/v3/community/45.83.66.10');
    assert.equal(request?.headers['key'], FAKE_GREYNOISE_KEY);
    assert.equal(request?.headers['accept'], 'application/json');
    assert.equal([...request!.query].length, 0);
  });

  it('reads a malicious scanner', async () => {
    const output = await run('45.83.66.10');
    assert.deepEqual(output, {
      ip: '45.83.66.10',
      observed: true,
      noise: true,
      riot: false,
      classification: 'malicious',
      name: 'unknown',
      link: 'https://viz.greynoise.io/ip/45.83.66.10',
      lastSeen: '2024-04-30',
      message: 'Success',
    });
    assert.deepEqual(findingOf(greynoise, 'lookup_ip', { ip: '45.83.66.10' }, output), {
      observable: { type: 'ipv4', value: '45.83.66.10' },
      finding: { verdict: 'malicious', score: 90, summary: 'GreyNoise: malicious scanner' },
    });
  });

  it('calls RIOT and benign scanners benign, and noise of unknown intent unknown', async () => {
    const riot = await run('8.8.8.8');
    assert.equal(riot.riot, true);
    assert.deepEqual(verdictOf('8.8.8.8', riot), {
      verdict: 'benign',
      score: 0,
      summary: 'GreyNoise RIOT: common business service (Google Public DNS)',
    });
    assert.equal(verdictOf('71.6.135.131', await run('71.6.135.131')).verdict, 'benign');
    assert.deepEqual(verdictOf('92.63.197.1', await run('92.63.197.1')), {
      verdict: 'unknown',
      score: null,
      summary: 'GreyNoise: internet scanner of unknown intent',
    });
  });

  it('takes the 404 "not observed" answer as unknown, not an error', async () => {
    const output = await run('203.0.113.9');
    assert.equal(output.observed, false);
    assert.equal(output.message, NOT_OBSERVED);
    assert.deepEqual(verdictOf('203.0.113.9', output), {
      verdict: 'unknown',
      score: null,
      summary: 'GreyNoise: not observed scanning the internet',
    });
  });

  it('takes a non-routable address as not observed', async () => {
    const output = await run('10.1.2.3');
    assert.equal(output.observed, false);
    assert.match(output.message ?? '', /not a valid routable/);
  });

  it('refuses IPv6 and malformed addresses without calling GreyNoise', async () => {
    fake.requests.length = 0;
    await assert.rejects(
      runIntegrationAction(greynoise, 'lookup_ip', { ip: '2001:db8::1' }, { baseUrl: fake.baseUrl }),
      /invalid input for greynoise.lookup_ip at \/ip/,
    );
    await failsWith(run('300.1.2.3'), 'invalid_input', /IPv4 addresses only/);
    assert.equal(fake.requests.length, 0);
  });

  it('keeps a malicious classification ahead of RIOT', () => {
    const both = {
      ...emptyOutput(),
      observed: true,
      noise: true,
      riot: true,
      classification: 'malicious' as const,
    };
    assert.equal(greynoiseFinding(both).verdict, 'malicious');
  });

  it('fails a wrong key as unauthorized, not retryable', async () => {
    const error = await failsWith(run('45.83.66.10', 'wrong'), 'unauthorized', /answered 401/);
    assert.equal(error.retryable, false);
  });

  it('turns a 502, an HTML page and an off-shape body into clear errors', async () => {
    assert.equal((await failsWith(run('198.51.100.1'), 'server_error', /answered 502/)).retryable, true);
    await failsWith(run('198.51.100.2'), 'invalid_response', /text\/html/);
    await failsWith(run('198.51.100.3'), 'invalid_response', /"noise"/);
  });

  it('checks the connection with one lookup', async () => {
    await testIntegrationConnection(greynoise, {
      baseUrl: fake.baseUrl,
      fields: { api_key: FAKE_GREYNOISE_KEY },
    });
    await failsWith(
      testIntegrationConnection(greynoise, { baseUrl: fake.baseUrl, fields: { api_key: 'x' } }),
      'unauthorized',
    );
  });
});

describe('greynoise community quota', () => {
  it('answers 429 with the plan message once the lookups are spent', async () => {
    const fake = await startFakeGreynoise({ dailyLimit: 1 });
    try {
      const options = { baseUrl: fake.baseUrl, fields: { api_key: FAKE_GREYNOISE_KEY } };
      await runIntegrationAction(greynoise, 'lookup_ip', { ip: '203.0.113.1' }, options);
      const error = await failsWith(
        runIntegrationAction(greynoise, 'lookup_ip', { ip: '203.0.113.2' }, options),
        'rate_limited',
        /daily rate limit of 1 requests/,
      );
      assert.equal(error.retryable, true);
    } finally {
      await fake.close();
    }
  });
});

function emptyOutput(): LookupIpOutput {
  return {
    ip: '192.0.2.1',
    observed: false,
    noise: false,
    riot: false,
    classification: null,
    name: null,
    link: null,
    lastSeen: null,
    message: null,
  };
}
