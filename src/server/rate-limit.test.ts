import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from './rate-limit.ts';

test('a bucket bursts to the limit, then refills at limit per minute', async () => {
  const limiter = new RateLimiter(60);
  const t0 = 1_000_000;
  for (let i = 0; i < 60; i++) assert.equal((await limiter.take('a', t0)).allowed, true, `request ${i + 1}`);
  const refused = await limiter.take('a', t0);
  assert.deepEqual(
    { allowed: refused.allowed, remaining: refused.remaining, retry: refused.retryAfterSeconds },
    { allowed: false, remaining: 0, retry: 1 },
  );
  assert.equal(limiter.refused, 1);
  // Another principal has its own bucket.
  assert.equal((await limiter.take('b', t0)).allowed, true);
  // One second refills one request.
  assert.equal((await limiter.take('a', t0 + 1000)).allowed, true);
  assert.equal((await limiter.take('a', t0 + 1000)).allowed, false);
  const later = await limiter.take('a', t0 + 61_000);
  assert.equal(later.allowed, true);
  assert.equal(later.remaining, 59);
  assert.equal(later.resetSeconds, 1);
});

test('a limit of zero is off', () => {
  assert.equal(new RateLimiter(0).enabled, false);
  assert.equal(new RateLimiter(10).enabled, true);
});
