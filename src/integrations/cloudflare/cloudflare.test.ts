import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { OutboundHttp } from '../http/outbound-http.ts';
import {
  runIntegrationAction,
  testIntegrationConnection,
  expectActionError,
  checkAlreadyApplied,
} from '../sdk/integration-test-kit.ts';
import { cloudflare, type BlockIpOutput } from './cloudflare-integration.ts';
import { startFakeCloudflare, type FakeCloudflare } from './fake-cloudflare.ts';

const http = new OutboundHttp({ allow: ['127.0.0.1'], attempts: 2, maxInlineWaitMs: 2000 });

const failsWith = (promise: Promise<unknown>, code: string, secret: string, pattern?: RegExp) =>
  expectActionError(promise, code, { pattern, secrets: [secret] });

describe('cloudflare', () => {
  let fake: FakeCloudflare;
  const baseUrl = () => `${fake.url}/client/v4`;
  const fields = (token = fake.apiToken) => ({ api_token: token, zone_id: fake.zoneId });
  const run = <T = BlockIpOutput>(name: string, input: Record<string, unknown>, token?: string) =>
    runIntegrationAction(cloudflare, name, input, {
      baseUrl: baseUrl(),
      fields: fields(token),
    }) as Promise<T>;
  const rulesPath = () => `/client/v4/zones/${fake.zoneId}/firewall/access_rules/rules`;
  /** The engine's check-before-act call, through the real outbound client. */
  const alreadyApplied = (name: string, input: Record<string, unknown>) => {
    return checkAlreadyApplied(cloudflare, name, input, { baseUrl: baseUrl(), fields: fields(), http });
  };

  beforeEach(async () => {
    fake = await startFakeCloudflare({
      rules: [
        { mode: 'whitelist', configuration: { target: 'ip', value: '198.51.100.10' }, notes: 'office VPN' },
      ],
      faults: { '203.0.113.250': 'server_error', '203.0.113.251': 'html' },
    });
  });
  afterEach(() => fake.close());
  after(() => http.close());

  it('blocks an address with the documented requests', async () => {
    const output = await run('block_ip', { ip: '203.0.113.7', notes: 'case 42' });
    assert.equal(output.created, true);
    assert.match(output.ruleId, /^[0-9a-f]{32}$/);
    const [list, create] = fake.requests;
    assert.equal(list?.method, 'GET');
    assert.equal(list?.path, rulesPath());
    assert.equal(list?.headers['authorization'], `Bearer ${fake.apiToken}`);
    assert.equal(list?.query.get('configuration.target'), 'ip');
    assert.equal(list?.query.get('configuration.value'), '203.0.113.7');
    assert.equal(create?.method, 'POST');
    assert.equal(create?.path, rulesPath());
    assert.deepEqual(JSON.parse(create!.body), {
      mode: 'block',
      configuration: { target: 'ip', value: '203.0.113.7' },
      notes: 'case 42',
    });
    assert.deepEqual(fake.rules().find((r) => r.id === output.ruleId)?.mode, 'block');
  });

  it('reads the block back and reuses the rule on a repeat', async () => {
    const first = await run('block_ip', { ip: '203.0.113.7' });
    assert.equal(await alreadyApplied('block_ip', { ip: '203.0.113.7' }), true);
    assert.equal(await alreadyApplied('unblock_ip', { ip: '203.0.113.7' }), false);
    const again = await run('block_ip', { ip: '203.0.113.7' });
    assert.deepEqual(again, { ip: '203.0.113.7', ruleId: first.ruleId, created: false });
    assert.equal(fake.requests.filter((r) => r.method === 'POST').length, 1, 'one rule, one create');
  });

  it('reads a rule created behind its back after a duplicate (10009) answer', async () => {
    // Another writer (or a crashed earlier attempt) creates the rule between the listing and the create.
    fake.addRuleAfterNextList({
      mode: 'block',
      configuration: { target: 'ip6', value: '2001:db8::7' },
      notes: 'x',
    });
    const output = await run('block_ip', { ip: '2001:db8::7' });
    const raced = fake.rules().find((r) => r.configuration.value === '2001:db8::7')!;
    assert.deepEqual(
      fake.requests.map((r) => r.method),
      ['GET', 'POST', 'GET'],
    );
    assert.deepEqual(output, { ip: '2001:db8::7', ruleId: raced.id, created: false });
  });

  it('unblocks through the declared inverse and its input, restoring the zone', async () => {
    const block = cloudflare.actions.find((a) => a.name === 'block_ip')!;
    const output = await run('block_ip', { ip: '203.0.113.7' });
    const inverseInput = block.inverseInput!({ ip: '203.0.113.7' } as never, output as never);
    assert.equal(block.inverse, 'unblock_ip');
    assert.deepEqual(inverseInput, { ip: '203.0.113.7', ruleId: output.ruleId });
    const removed = await run<{ deletedRuleIds: string[] }>('unblock_ip', inverseInput);
    assert.deepEqual(removed.deletedRuleIds, [output.ruleId]);
    const request = fake.requests.at(-1)!;
    assert.equal(request.method, 'DELETE');
    assert.equal(request.path, `${rulesPath()}/${output.ruleId}`);
    assert.deepEqual(
      fake.rules().map((r) => r.configuration.value),
      ['198.51.100.10'],
    );
    assert.equal(await alreadyApplied('unblock_ip', inverseInput), true);
    const again = await run<{ deletedRuleIds: string[] }>('unblock_ip', inverseInput);
    assert.deepEqual(again.deletedRuleIds, [], 'a repeated delete finds the rule gone (404) and is fine');
  });

  it('leaves allowlist rules alone: no block over them, no delete of them', async () => {
    const error = await failsWith(
      run('block_ip', { ip: '198.51.100.10' }),
      'conflict',
      fake.apiToken,
      /whitelist/,
    );
    assert.equal(error.retryable, false);
    const removed = await run<{ deletedRuleIds: string[] }>('unblock_ip', { ip: '198.51.100.10' });
    assert.deepEqual(removed.deletedRuleIds, []);
    assert.equal(fake.rules().length, 1);
  });

  it('declares RE&CT ids and typed IP targets', () => {
    const [block, unblock] = cloudflare.actions;
    assert.equal(block?.react, 'RA3101');
    assert.equal(unblock?.react, 'RA5101');
    assert.deepEqual(block?.target!({ ip: '203.0.113.7' } as never), { type: 'ipv4', value: '203.0.113.7' });
    assert.deepEqual(unblock?.target!({ ip: '2001:db8::7' } as never), {
      type: 'ipv6',
      value: '2001:db8::7',
    });
  });

  it('fails a wrong token as unauthorized (10000), not retryable, without the token', async () => {
    const wrong = 'wrong-token-abcdefghijklmnop';
    const error = await failsWith(
      run('block_ip', { ip: '203.0.113.7' }, wrong),
      'unauthorized',
      wrong,
      /Authentication error/,
    );
    assert.equal(error.retryable, false);
    assert.equal(fake.rules().length, 1);
  });

  it('refuses a bad zone id before calling, and names a zone Cloudflare cannot route', async () => {
    await failsWith(
      runIntegrationAction(
        cloudflare,
        'block_ip',
        { ip: '203.0.113.7' },
        {
          baseUrl: baseUrl(),
          fields: { api_token: fake.apiToken, zone_id: 'not-a-zone' },
        },
      ),
      'not_configured',
      fake.apiToken,
    );
    await failsWith(
      runIntegrationAction(
        cloudflare,
        'block_ip',
        { ip: '203.0.113.7' },
        {
          baseUrl: baseUrl(),
          fields: { api_token: fake.apiToken, zone_id: '0'.repeat(32) },
        },
      ),
      'not_found',
      fake.apiToken,
      /Could not route/,
    );
  });

  it('turns a 502 and an HTML page into clear errors, and refuses a non-IP', async () => {
    const server = await failsWith(
      run('block_ip', { ip: '203.0.113.250' }),
      'server_error',
      fake.apiToken,
      /502/,
    );
    assert.equal(server.retryable, true);
    await failsWith(
      run('block_ip', { ip: '203.0.113.251' }),
      'invalid_response',
      fake.apiToken,
      /text\/html/,
    );
    await failsWith(run('block_ip', { ip: '999.1.1.1' }), 'invalid_input', fake.apiToken);
  });

  it('checks the connection with a cheap authenticated call', async () => {
    await testIntegrationConnection(cloudflare, { baseUrl: baseUrl(), fields: fields() });
  });
});

describe('cloudflare rate limit', () => {
  it('answers 429 (971) as rate_limited with Retry-After', async () => {
    const fake = await startFakeCloudflare({ requestLimit: 1 });
    try {
      const error = await failsWith(
        runIntegrationAction(
          cloudflare,
          'block_ip',
          { ip: '203.0.113.7' },
          {
            baseUrl: `${fake.url}/client/v4`,
            fields: { api_token: fake.apiToken, zone_id: fake.zoneId },
          },
        ),
        'rate_limited',
        fake.apiToken,
        /Please wait and consider throttling/,
      );
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfterMs, 300_000);
      assert.equal(fake.rules().length, 0);
    } finally {
      await fake.close();
    }
  });
});
