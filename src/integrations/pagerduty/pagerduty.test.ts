import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { runIntegrationAction, expectActionError } from '../sdk/integration-test-kit.ts';
import { FAKE_ROUTING_KEY, startFakePagerDuty, type FakePagerDuty } from './fake-pagerduty.ts';
import { pagerDutyIntegration as pagerduty } from './pagerduty-integration.ts';

const failsWith = (promise: Promise<unknown>, code: string, pattern?: RegExp) =>
  expectActionError(promise, code, { pattern, secrets: [FAKE_ROUTING_KEY] });

const ALERT = { summary: 'Ransomware note on WS-042', source: 'ws-042.corp.example', severity: 'critical' };

describe('pagerduty', () => {
  let fake: FakePagerDuty;
  const run = (name: string, input: Record<string, unknown>, key = FAKE_ROUTING_KEY, server = fake) =>
    runIntegrationAction(pagerduty, name, input, {
      baseUrl: server.url,
      fields: { routing_key: key },
    }) as Promise<Record<string, unknown>>;

  before(async () => {
    fake = await startFakePagerDuty({ routingKeys: [FAKE_ROUTING_KEY, 'OTHERKEYFAKE0123456789ABCDEF0123'] });
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.alerts.length = 0;
  });

  it('POSTs a trigger to /v2/enqueue with the routing key and the idempotency key as dedup_key', async () => {
    const output = await run('trigger', { ...ALERT, component: 'edr', custom_details: { hash: 'abc' } });
    const [request] = fake.requests;
    assert.equal(request?.method, 'POST');
    assert.equal(request?.path, '/v2/enqueue');
    assert.deepEqual(JSON.parse(request!.body), {
      routing_key: FAKE_ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'run_test:step:1',
      payload: { ...ALERT, component: 'edr', custom_details: { hash: 'abc' } },
      client: 'Riposte',
    });
    assert.deepEqual(output, { status: 'success', message: 'Event processed', dedup_key: 'run_test:step:1' });
  });

  it('lands a repeated trigger on the same alert instead of opening a second', async () => {
    await run('trigger', ALERT);
    await run('trigger', ALERT);
    assert.equal(fake.alerts.length, 1);
    assert.equal(fake.alerts[0]?.triggers, 2);
  });

  it('declares resolve as the inverse of trigger, fed the dedup_key, and resolves the alert', async () => {
    const action = pagerduty.actions.find((a) => a.name === 'trigger')!;
    assert.equal(action.inverse, 'resolve');
    const output = await run('trigger', { ...ALERT, dedup_key: 'case-42' });
    const inverse = action.inverseInput!(ALERT, output);
    assert.deepEqual(inverse, { dedup_key: 'case-42' });
    assert.deepEqual(action.target?.({ ...ALERT, dedup_key: 'case-42' }), {
      type: 'ticket',
      value: 'case-42',
    });
    await run('acknowledge', inverse);
    assert.equal(fake.alerts[0]?.status, 'acknowledged');
    await run('resolve', inverse);
    assert.equal(fake.alerts[0]?.status, 'resolved');
    assert.deepEqual(JSON.parse(fake.requests.at(-1)!.body), {
      routing_key: FAKE_ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: 'case-42',
    });
  });

  it('reads the 400 "invalid event" errors; a refused routing key is unauthorized, without the key', async () => {
    const short = await failsWith(
      run('trigger', ALERT, 'too-short-key'),
      'unauthorized',
      /Event object is invalid: Length of 'routing_key' is incorrect/,
    );
    assert.equal(short.retryable, false);
    await failsWith(
      run('trigger', ALERT, 'UNKNOWNKEYFAKE0123456789ABCDEF01'),
      'unauthorized',
      /Invalid routing key/,
    );
    assert.equal(fake.alerts.length, 0);
  });
});

describe('pagerduty rate limit', () => {
  it('turns 429 into rate_limited, to be retried after about 30 s', async () => {
    const fake = await startFakePagerDuty({ eventsBeforeLimit: 0 });
    try {
      const error = await failsWith(
        runIntegrationAction(pagerduty, 'trigger', ALERT, {
          baseUrl: fake.url,
          fields: { routing_key: FAKE_ROUTING_KEY },
        }),
        'rate_limited',
      );
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfterMs, 30_000);
      assert.equal(fake.alerts.length, 0);
    } finally {
      await fake.close();
    }
  });
});
