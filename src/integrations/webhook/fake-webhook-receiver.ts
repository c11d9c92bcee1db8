import { createHmac, timingSafeEqual } from 'node:crypto';
import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';

export interface FakeReceiverOptions {
  secret: string;
  /** Seconds a signature's timestamp may be off the receiver's clock (Riposte ingest's default: 300). */
  toleranceSeconds?: number;
  /** Deliveries accepted before 429 with Retry-After. */
  deliveriesBeforeLimit?: number;
  now?: () => number;
}

export interface FakeReceiver extends FakeServer {
  url: string;
  /** Bodies accepted once each (a repeated Idempotency-Key is answered, not stored again). */
  accepted: { idempotencyKey: string; event: string | undefined; body: unknown }[];
}

/**
 * A receiver that does what the documentation asks of one: verify X-Riposte-Signature (HMAC-SHA256 of
 * "<t>.<raw body>", constant-time compare, timestamp window), answer 401 otherwise, and treat a repeated
 * Idempotency-Key as the same delivery (200 with the first answer) rather than a new one (201).
 */
export async function startFakeReceiver(options: FakeReceiverOptions): Promise<FakeReceiver> {
  const tolerance = options.toleranceSeconds ?? 300;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const accepted: FakeReceiver['accepted'] = [];
  const answers = new Map<string, unknown>();

  const receive = (request: FakeRequest): FakeReply => {
    if (options.deliveriesBeforeLimit !== undefined && accepted.length >= options.deliveriesBeforeLimit)
      return { status: 429, headers: { 'retry-after': '120' }, json: { error: 'slow down' } };
    const header = String(request.headers['x-riposte-signature'] ?? '');
    const parts = new Map(
      header.split(',').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as const),
    );
    const t = parts.get('t') ?? '';
    const v1 = Buffer.from(parts.get('v1') ?? '', 'hex');
    const expected = createHmac('sha256', options.secret).update(`${t}.`).update(request.body).digest();
    if (!/^\d+$/.test(t) || v1.length !== expected.length || !timingSafeEqual(v1, expected))
      return { status: 401, json: { error: 'invalid signature' } };
    if (Math.abs(now() - Number(t)) > tolerance) return { status: 401, json: { error: 'stale signature' } };
    const key = String(request.headers['idempotency-key'] ?? '');
    if (!key) return { status: 400, json: { error: 'Idempotency-Key required' } };
    if (answers.has(key)) return { status: 200, json: answers.get(key) };
    const answer = { received: accepted.length + 1 };
    accepted.push({
      idempotencyKey: key,
      event: request.headers['x-riposte-event'] as string | undefined,
      body: JSON.parse(request.body),
    });
    answers.set(key, answer);
    return { status: 201, json: answer };
  };

  const server = await startFakeServer([['POST', '/hooks/riposte', receive]]);
  return Object.assign(server, { url: `${server.url}/hooks/riposte`, accepted });
}
