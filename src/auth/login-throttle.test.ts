import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { dropRedisPrefix, testRedisPrefix, testRedisUrl } from '../../test/support/test-redis.ts';
import type { RiposteError } from '../core/riposte-error.ts';
import { MemoryAttemptWindows, type AttemptWindows } from '../limits/attempt-windows.ts';
import { RedisLimits } from '../limits/redis-limits.ts';
import { LoginThrottle } from './login-throttle.ts';

const redisUrl = testRedisUrl();
const stores: { name: string; open(): Promise<AttemptWindows> }[] = [
  { name: 'in memory', open: async () => new MemoryAttemptWindows() },
];
if (redisUrl) {
  const prefix = testRedisPrefix();
  const opened: RedisLimits[] = [];
  after(async () => {
    for (const limits of opened) await limits.close();
    await dropRedisPrefix(redisUrl, prefix);
  });
  stores.push({
    name: 'in Redis',
    open: async () => {
      // A prefix per throttle: each test starts with no attempts counted.
      const limits = new RedisLimits({
        url: redisUrl,
        prefix: `${prefix}:${opened.length}`,
        onError: (error) => assert.fail(String(error)),
      });
      opened.push(limits);
      await limits.ready();
      return limits.attempts;
    },
  });
}

/** Whether `begin` refuses, and with which wait. */
async function refusal(attempt: Promise<unknown>): Promise<number | null> {
  try {
    await attempt;
    return null;
  } catch (error) {
    assert.equal((error as RiposteError).code, 'rate_limited');
    assert.match((error as Error).message, /too many failed logins/);
    return (error as RiposteError).extra?.retryAfterSeconds as number;
  }
}

for (const store of stores)
  describe(`LoginThrottle, attempts counted ${store.name}`, () => {
    const throttle = async (userLimit: number, windowSeconds: number, ipLimit?: number) =>
      new LoginThrottle({
        userLimit,
        windowSeconds,
        ...(ipLimit === undefined ? {} : { ipLimit }),
        windows: await store.open(),
      });

    it('refuses a username after the limit of failures, until the oldest ages out', async () => {
      const t = await throttle(3, 60);
      for (let i = 0; i < 3; i++) await t.begin('alice', '10.0.0.1', 1000 + i);
      assert.equal(await refusal(t.begin('alice', '10.0.0.9', 2000)), 59);
      assert.equal(await refusal(t.begin('alice', '10.0.0.9', 61_001)), null);
    });

    it('counts an attempt from its start, so guesses in flight together stop at the limit', async () => {
      const t = await throttle(3, 60);
      // None of them has been answered yet: no succeeded(), no failure reported.
      const all = await Promise.all(
        [0, 1, 2, 3, 4].map((i) => refusal(t.begin('carol', `10.0.0.${i}`, 1000))),
      );
      assert.deepEqual(
        all.filter((wait) => wait === null),
        [null, null, null],
      );
    });

    it('refuses an address that guesses many usernames, at a higher limit than one user', async () => {
      const t = await throttle(3, 60, 6);
      for (const user of ['a', 'b', 'c', 'e', 'f']) await t.begin(user, '203.0.113.9', 1000);
      await (await t.begin('d', '203.0.113.9', 1500)).succeeded();
      await t.begin('g', '203.0.113.9', 1000);
      assert.equal(await refusal(t.begin('d', '203.0.113.9', 1500)), 60);
      assert.equal(await refusal(t.begin('d', '198.51.100.1', 1500)), null);
    });

    it('a success clears the username and takes its own attempt back from the address', async () => {
      const t = await throttle(2, 60, 2);
      await t.begin('bob', '10.1.0.1', 1000);
      await (await t.begin('bob', '10.1.0.1', 1001)).succeeded();
      await t.begin('bob', '10.1.0.2', 1002);
      assert.equal(await refusal(t.begin('bob', '10.1.0.2', 1003)), null);
      // The address saw one failure and one success: one attempt left in its window before this one.
      assert.equal(await refusal(t.begin('erin', '10.1.0.1', 1004)), null);
      assert.equal(await refusal(t.begin('fred', '10.1.0.1', 1005)), 60);
    });
  });
