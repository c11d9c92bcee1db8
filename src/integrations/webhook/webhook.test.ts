import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createHmac } from 'node:crypto';
import { signBody } from '../../core/request-signature.ts';
import { runIntegrationAction, expectActionError } from '../sdk/integration-test-kit.ts';
import { startFakeReceiver, type FakeReceiver } from './fake-webhook-receiver.ts';
import { webhookIntegration as webhook } from './webhook-integration.ts';

const SECRET = 'whsec-fake-0123456789abcdef';

const failsWith = (promise: Promise<unknown>, code: string, pattern?: RegExp) =>
  expectActionError(promise, code, { pattern, secrets: [SECRET, /hooks\/riposte/] });

const send = (receiver: FakeReceiver, input: Record<string, unknown>, secret = SECRET) =>
  runIntegrationAction(webhook, 'post', input, {
    baseUrl: receiver.url,
    fields: { url: receiver.url, secret },
  });

const BODY = { case: 42, title: 'Malware on WS-042', observables: [{ type: 'host', value: 'WS-042' }] };

describe('webhook', () => {
  let receiver: FakeReceiver;
  before(async () => {
    receiver = await startFakeReceiver({ secret: SECRET });
  });
  after(() => receiver.close());
  beforeEach(() => {
    receiver.requests.length = 0;
  });

  it('POSTs the JSON body signed over "<t>.<body>" with the Idempotency-Key header', async () => {
    const output = await send(receiver, { body: BODY, event: 'case.created' });
    assert.deepEqual(output, { status: 201, response: { received: 1 } });
    const [request] = receiver.requests;
    assert.equal(request?.method, 'POST');
    assert.equal(request?.body, JSON.stringify(BODY));
    assert.equal(request?.headers['content-type'], 'application/json');
    assert.equal(request?.headers['idempotency-key'], 'run_test:step:1');
    assert.equal(request?.headers['x-riposte-event'], 'case.created');
    const signature = String(request?.headers['x-riposte-signature']);
    const t = Number(/^t=(\d+),v1=[0-9a-f]{64}$/.exec(signature)?.[1]);
    assert.ok(Math.abs(t - Date.now() / 1000) < 5, 'signed now');
    assert.equal(signature, signBody(SECRET, request!.body, t));
  });

  it('signs exactly as Riposte’s ingest expects a sender to', () => {
    const v1 = createHmac('sha256', SECRET).update('1714564800.{"a":1}').digest('hex');
    assert.equal(signBody(SECRET, '{"a":1}', 1_714_564_800), `t=1714564800,v1=${v1}`);
  });

  it('sends the same Idempotency-Key on a repeat, so the receiver does not deliver twice', async () => {
    const again = await send(receiver, { body: BODY, event: 'case.created' });
    assert.deepEqual(again, { status: 200, response: { received: 1 } });
    assert.equal(receiver.accepted.length, 1);
  });

  it('fails a wrong secret (receiver answers 401) as unauthorized, without secret or URL in the message', async () => {
    const error = await failsWith(
      send(receiver, { body: BODY }, 'wrong-secret-value'),
      'unauthorized',
      /invalid signature/,
    );
    assert.equal(error.retryable, false);
  });
});

describe('webhook rate limit', () => {
  it('turns 429 into rate_limited with the receiver’s Retry-After', async () => {
    const receiver = await startFakeReceiver({ secret: SECRET, deliveriesBeforeLimit: 0 });
    try {
      const error = await failsWith(send(receiver, { body: BODY }), 'rate_limited');
      assert.equal(error.retryAfterMs, 120_000);
    } finally {
      await receiver.close();
    }
  });
});
