import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { OutboundHttp } from '../http/outbound-http.ts';
import {
  runIntegrationAction,
  testIntegrationConnection,
  expectActionError,
  checkAlreadyApplied,
} from '../sdk/integration-test-kit.ts';
import { crowdstrike, type ContainmentOutput } from './crowdstrike-integration.ts';
import { startFakeCrowdStrike, type FakeCrowdStrike } from './fake-crowdstrike.ts';

const WS42 = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const OLD42 = '0f0e0d0c0b0a09080706050403020100';
const SRV7 = 'b1b2c3d4e5f60718293a4b5c6d7e8f91';

const http = new OutboundHttp({ allow: ['127.0.0.1'], attempts: 2, maxInlineWaitMs: 2000 });

/** The engine's check-before-act call, through the real outbound client (the kit has no runner for it). */
function alreadyApplied(
  fake: FakeCrowdStrike,
  name: string,
  input: Record<string, unknown>,
  fields = fieldsOf(fake),
) {
  return checkAlreadyApplied(crowdstrike, name, input, { baseUrl: fake.url, fields: fields, http });
}

const fieldsOf = (fake: FakeCrowdStrike, secret = fake.clientSecret) => ({
  client_id: fake.clientId,
  client_secret: secret,
});

const failsWith = (promise: Promise<unknown>, code: string, secret: string, pattern?: RegExp) =>
  expectActionError(promise, code, { pattern, secrets: [secret] });

describe('crowdstrike', () => {
  let fake: FakeCrowdStrike;
  const run = (name: string, input: Record<string, unknown>, fields = fieldsOf(fake)) =>
    runIntegrationAction(crowdstrike, name, input, {
      baseUrl: fake.url,
      fields,
    }) as Promise<ContainmentOutput>;

  beforeEach(async () => {
    fake = await startFakeCrowdStrike({
      hosts: [
        { deviceId: WS42, hostname: 'WS-042', lastSeen: '2024-05-01T11:00:00Z' },
        // The same name on an agent from before a re-image, last seen months ago.
        { deviceId: OLD42, hostname: 'WS-042', lastSeen: '2023-11-02T08:00:00Z' },
        { deviceId: SRV7, hostname: 'srv-7', status: 'contained' },
      ],
      faults: { 'broken-host': 'server_error', 'html-host': 'html' },
    });
  });
  afterEach(() => fake.close());
  after(() => http.close());

  it('contains a host named by hostname with the documented requests', async () => {
    const output = await run('contain_host', { hostname: 'WS-042' });
    assert.deepEqual(output, {
      deviceId: WS42,
      hostname: 'WS-042',
      previousStatus: 'normal',
      requested: true,
    });
    const [token, query, details, action] = fake.requests;
    assert.equal(token?.method, 'POST');
    assert.equal(token?.path, '/oauth2/token');
    assert.equal(token?.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(token!.body)), {
      client_id: fake.clientId,
      client_secret: fake.clientSecret,
    });
    assert.equal(query?.path, '/devices/queries/devices/v1');
    assert.equal(query?.query.get('filter'), "hostname:'WS-042'");
    assert.match(String(query?.headers['authorization']), /^Bearer \S+$/);
    assert.deepEqual(details?.query.getAll('ids').sort(), [OLD42, WS42].sort());
    assert.equal(action?.method, 'POST');
    assert.equal(action?.path, '/devices/entities/devices-actions/v2');
    assert.equal(action?.query.get('action_name'), 'contain');
    assert.equal(action?.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(action!.body), { ids: [WS42] }, 'the agent seen last, not the stale one');
    assert.equal(fake.status(OLD42), 'normal');
  });

  it('reads the containment back: pending then contained, and a repeat is a no-op', async () => {
    await run('contain_host', { hostname: 'WS-042' });
    assert.equal(fake.status(WS42), 'containment_pending');
    assert.equal(await alreadyApplied(fake, 'contain_host', { hostname: 'WS-042' }), true, 'pending counts');
    assert.equal(fake.status(WS42), 'contained', 'the sensor acknowledged');
    assert.equal(await alreadyApplied(fake, 'contain_host', { deviceId: WS42 }), true);
    assert.equal(await alreadyApplied(fake, 'lift_containment', { deviceId: WS42 }), false);
    const before = fake.requests.length;
    const again = await run('contain_host', { hostname: 'WS-042' });
    assert.equal(again.requested, false);
    assert.equal(again.previousStatus, 'contained');
    assert.ok(
      fake.requests.slice(before).every((r) => r.path !== '/devices/entities/devices-actions/v2'),
      'a retried contain sends no second action',
    );
  });

  it('lifts the containment through the declared inverse and its input', async () => {
    const contain = crowdstrike.actions.find((a) => a.name === 'contain_host')!;
    const output = await run('contain_host', { hostname: 'WS-042' });
    assert.equal(contain.inverse, 'lift_containment');
    const inverseInput = contain.inverseInput!({ hostname: 'WS-042' } as never, output as never);
    assert.deepEqual(inverseInput, { deviceId: WS42 });
    // The first read after the action still shows it pending: a lift may follow at once.
    const lifted = await run('lift_containment', inverseInput);
    assert.deepEqual(lifted, {
      deviceId: WS42,
      hostname: 'WS-042',
      previousStatus: 'containment_pending',
      requested: true,
    });
    const action = fake.requests.at(-1)!;
    assert.equal(action.query.get('action_name'), 'lift_containment');
    assert.deepEqual(JSON.parse(action.body), { ids: [WS42] });
    assert.equal(await alreadyApplied(fake, 'lift_containment', { deviceId: WS42 }), true);
    assert.equal(fake.status(WS42), 'normal');
    assert.equal(await alreadyApplied(fake, 'contain_host', { deviceId: WS42 }), false);
  });

  it('declares the response metadata the guardrails key on', () => {
    const [contain, lift] = crowdstrike.actions;
    assert.equal(contain?.effect, 'destructive');
    assert.equal(lift?.effect, 'write');
    assert.equal(contain?.react, undefined, 'RE&CT has no host isolation action');
    assert.deepEqual(contain?.target!({ hostname: 'WS-042' } as never), { type: 'host', value: 'WS-042' });
    assert.deepEqual(lift?.target!({ deviceId: WS42 } as never), { type: 'host', value: WS42 });
    assert.equal(crowdstrike.auth.kind, 'none');
    assert.equal(crowdstrike.credentials.find((c) => c.name === 'client_secret')?.secret, true);
    assert.equal(crowdstrike.credentials.find((c) => c.name === 'client_id')?.secret, false);
  });

  it('keeps the token until it expires and gets a fresh one after a 401', async () => {
    await run('contain_host', { deviceId: WS42 });
    await run('lift_containment', { deviceId: SRV7 });
    assert.equal(fake.tokensIssued(), 1, 'one token for both steps');
    fake.revokeTokens();
    const output = await run('contain_host', { deviceId: SRV7 });
    assert.equal(output.requested, true);
    assert.equal(fake.tokensIssued(), 2);
    const statuses = fake.requests.map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(statuses.slice(-4), [
      'GET /devices/entities/devices/v2',
      'POST /oauth2/token',
      'GET /devices/entities/devices/v2',
      'POST /devices/entities/devices-actions/v2',
    ]);
  });

  it('fails wrong credentials as unauthorized, not retryable, without the secret', async () => {
    const wrong = 'not-the-secret-0123456789';
    const error = await failsWith(
      run('contain_host', { hostname: 'WS-042' }, fieldsOf(fake, wrong)),
      'unauthorized',
      wrong,
      /access denied, authorization failed/,
    );
    assert.equal(error.retryable, false);
    assert.deepEqual(
      fake.requests.map((r) => r.path),
      ['/oauth2/token'],
      'nothing is attempted without a token',
    );
    assert.equal(fake.status(WS42), 'normal');
  });

  it('answers an unknown host with not_found, and a host named twice with invalid_input', async () => {
    const secret = fake.clientSecret;
    const byName = await failsWith(
      run('contain_host', { hostname: 'nope-1' }),
      'not_found',
      secret,
      /nope-1/,
    );
    assert.equal(byName.retryable, false);
    await failsWith(
      run('contain_host', { deviceId: 'ffffffffffffffffffffffffffffffff' }),
      'not_found',
      secret,
    );
    await failsWith(run('contain_host', { deviceId: WS42, hostname: 'WS-042' }), 'invalid_input', secret);
    await failsWith(run('lift_containment', {}), 'invalid_input', secret);
    await assert.rejects(run('contain_host', { hostname: "x' or hostname:'*" }), /invalid input/);
  });

  it('turns a 500 and an HTML page into clear errors', async () => {
    const secret = fake.clientSecret;
    const server = await failsWith(
      run('contain_host', { hostname: 'broken-host' }),
      'server_error',
      secret,
      /500/,
    );
    assert.equal(server.retryable, true);
    await failsWith(run('contain_host', { hostname: 'html-host' }), 'invalid_response', secret, /text\/html/);
  });

  it('checks the connection with a cheap authenticated call', async () => {
    await testIntegrationConnection(crowdstrike, { baseUrl: fake.url, fields: fieldsOf(fake) });
    await failsWith(
      testIntegrationConnection(crowdstrike, {
        baseUrl: fake.url,
        fields: fieldsOf(fake, 'wrong-secret-xyz'),
      }),
      'unauthorized',
      'wrong-secret-xyz',
    );
  });
});

describe('crowdstrike rate limit', () => {
  it('answers 429 as rate_limited with the wait from X-RateLimit-RetryAfter', async () => {
    const fake = await startFakeCrowdStrike({
      hosts: [{ deviceId: WS42, hostname: 'WS-042' }],
      requestLimit: 1,
      retryAfterSeconds: 120,
    });
    try {
      const options = { baseUrl: fake.url, fields: fieldsOf(fake) };
      const error = await failsWith(
        runIntegrationAction(crowdstrike, 'contain_host', { hostname: 'WS-042' }, options),
        'rate_limited',
        fake.clientSecret,
        /API rate limit exceeded/,
      );
      assert.equal(error.retryable, true);
      assert.ok(error.retryAfterMs! > 115_000 && error.retryAfterMs! <= 121_000, String(error.retryAfterMs));
      assert.equal(fake.status(WS42), 'normal');
    } finally {
      await fake.close();
    }
  });
});
