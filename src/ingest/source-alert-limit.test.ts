import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RiposteError } from '../core/riposte-error.ts';
import { MemoryTokenBuckets } from '../limits/token-buckets.ts';
import { SourceAlertLimiter, sourceLimit, tenantLimit, type AlertLimit } from './source-alert-limit.ts';

const t0 = 1_000_000;

/** The seconds `take` asks to wait, or null when it lets the alerts through. */
function waitOf(
  limiter: SourceAlertLimiter,
  source: string,
  perMinute: number | AlertLimit[],
  count: number,
  at: number,
) {
  try {
    limiter.take(
      source,
      typeof perMinute === 'number' ? [sourceLimit(source, perMinute)] : perMinute,
      count,
      at,
    );
    return null;
  } catch (error) {
    assert.ok(error instanceof RiposteError && error.code === 'source_rate_limited', String(error));
    return error.extra?.retryAfterSeconds as number;
  }
}

test("a source sends up to a minute's allowance at once, then at its limit", () => {
  const limiter = new SourceAlertLimiter();
  assert.equal(waitOf(limiter, 'ids', 60, 40, t0), null);
  assert.equal(waitOf(limiter, 'ids', 60, 20, t0), null);
  // Empty: one alert a second comes back.
  assert.equal(waitOf(limiter, 'ids', 60, 1, t0), 1);
  assert.equal(waitOf(limiter, 'ids', 60, 5, t0), 5);
  assert.equal(waitOf(limiter, 'ids', 60, 5, t0 + 4_000), 1);
  assert.equal(waitOf(limiter, 'ids', 60, 5, t0 + 5_000), null);
  // Another source has its own bucket.
  assert.equal(waitOf(limiter, 'edr', 60, 60, t0 + 5_000), null);
  assert.deepEqual(Object.fromEntries(limiter.refusals()), { ids: { requests: 3, alerts: 11 } });
});

test('a refused request takes nothing from the bucket', () => {
  const limiter = new SourceAlertLimiter();
  assert.equal(waitOf(limiter, 'ids', 600, 590, t0), null);
  assert.equal(waitOf(limiter, 'ids', 600, 100, t0), 9);
  assert.equal(waitOf(limiter, 'ids', 600, 10, t0), null);
  assert.equal(waitOf(limiter, 'ids', 600, 1, t0), 1);
});

test('a batch larger than the allowance goes when the bucket is full, and what follows pays for it', () => {
  const limiter = new SourceAlertLimiter();
  // 1,000 alerts against 100 a minute: through at once (the bucket was full), 900 in debt.
  assert.equal(waitOf(limiter, 'ids', 100, 1_000, t0), null);
  // The next one waits for the debt and its own alert: 901 alerts at 100 a minute.
  assert.equal(waitOf(limiter, 'ids', 100, 1, t0), 541);
  // The next large batch waits for a full bucket again: 1,000 alerts' worth.
  assert.equal(waitOf(limiter, 'ids', 100, 1_000, t0 + 540_000), 60);
  assert.equal(waitOf(limiter, 'ids', 100, 1_000, t0 + 600_000), null);
});

test('the message names the source, its limit and when to try again', () => {
  const limiter = new SourceAlertLimiter();
  limiter.take('fw', [sourceLimit('fw', 10)], 10, t0);
  assert.throws(
    () => limiter.take('fw', [sourceLimit('fw', 10)], 3, t0),
    (error: RiposteError) =>
      error.code === 'source_rate_limited' &&
      error.message ===
        'source fw may send 10 alerts a minute and has sent them; nothing of these 3 was stored — try again in 18 s',
  );
});

test('a debt is paid off however long the source waits, and full buckets are forgotten', () => {
  const buckets = new MemoryTokenBuckets(1_000);
  const limiter = new SourceAlertLimiter(buckets);
  limiter.take('ids', [sourceLimit('ids', 100)], 1_000, t0);
  // 900 in debt plus 100 for the next batch: ten minutes at 100 a minute, not less.
  assert.equal(waitOf(limiter, 'ids', 100, 100, t0 + 540_000), 60);
  for (let i = 0; i < 1_000; i++) limiter.take(`s${i}`, [sourceLimit(`s${i}`, 10)], 1, t0);
  assert.equal(buckets.size, 1_001);
  // Past 1,000 buckets, those full again are dropped: after six seconds every s<i> is, ids is not.
  limiter.take('late', [sourceLimit('late', 10)], 1, t0 + 6_000);
  assert.equal(buckets.size, 2);
  assert.equal(waitOf(limiter, 'ids', 100, 100, t0 + 540_000), 60);
  assert.equal(waitOf(limiter, 'ids', 100, 100, t0 + 600_000), null);
});

test("a changed limit starts with a whole minute's allowance of it", () => {
  const limiter = new SourceAlertLimiter();
  limiter.take('ids', [sourceLimit('ids', 10)], 10, t0);
  assert.equal(waitOf(limiter, 'ids', 10, 1, t0), 6);
  assert.equal(waitOf(limiter, 'ids', 50, 50, t0), null);
  assert.equal(waitOf(limiter, 'ids', 50, 1, t0), 2);
});

test("a tenant's limit holds all its sources together; a refusal takes from no bucket", () => {
  const limiter = new SourceAlertLimiter();
  const both = (source: string, own: number) => [sourceLimit(source, own), tenantLimit('acme', 100)];
  assert.equal(waitOf(limiter, 'ids', both('ids', 60), 60, t0), null);
  assert.equal(waitOf(limiter, 'edr', [tenantLimit('acme', 100)], 40, t0), null);
  // ids has no allowance left, and the tenant none: the longer wait is named (the source's 60 s for
  // 60 alerts against the tenant's 36 s for 60).
  assert.throws(
    () => limiter.take('ids', both('ids', 60), 60, t0),
    (error: RiposteError) =>
      error.extra?.retryAfterSeconds === 60 &&
      error.message ===
        'source ids may send 60 alerts a minute and has sent them; nothing of these 60 was stored — try again in 60 s',
  );
  // Twelve seconds on, the tenant has 20 again and ids 12: edr's 20 go, then the tenant is empty.
  assert.equal(waitOf(limiter, 'edr', [tenantLimit('acme', 100)], 20, t0 + 12_000), null);
  assert.throws(
    () => limiter.take('ids', both('ids', 60), 10, t0 + 12_000),
    (error: RiposteError) =>
      error.message ===
      'the sources of tenant acme may send 100 alerts a minute together and have sent them; nothing of these 10 was stored — try again in 6 s',
  );
  // The refused take left ids' bucket alone: 20 by now (10 had the refused take spent them), so 12 go.
  assert.equal(waitOf(limiter, 'ids', both('ids', 60), 12, t0 + 20_000), null);
  assert.deepEqual(Object.fromEntries(limiter.refusals()), { ids: { requests: 2, alerts: 70 } });
});
