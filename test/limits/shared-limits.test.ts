import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisLimits } from '../../src/limits/redis-limits.ts';
import { MemoryTokenBuckets, type Bucket, type BucketTake } from '../../src/limits/token-buckets.ts';
import { until } from '../support/until.ts';
import { dropRedisPrefix, testRedisPrefix, testRedisUrl } from '../support/test-redis.ts';

const url = testRedisUrl();
const t0 = 1_700_000_000_000;

/** Takes in order: [buckets, count, ms after t0]. Bursts, refills, debt, changed limits, two buckets. */
const SCRIPT: [Bucket[], number, number][] = [
  [[{ key: 'a', perMinute: 60 }], 40, 0],
  [[{ key: 'a', perMinute: 60 }], 20, 0],
  [[{ key: 'a', perMinute: 60 }], 1, 0],
  [[{ key: 'a', perMinute: 60 }], 5, 4_000],
  [[{ key: 'a', perMinute: 60 }], 5, 5_000],
  [[{ key: 'b', perMinute: 100 }], 1_000, 5_000],
  [[{ key: 'b', perMinute: 100 }], 1, 5_000],
  [[{ key: 'b', perMinute: 100 }], 1_000, 545_000],
  [[{ key: 'b', perMinute: 100 }], 1_000, 605_000],
  [[{ key: 'c', perMinute: 10 }], 10, 0],
  [[{ key: 'c', perMinute: 50 }], 50, 0],
  [[{ key: 'c', perMinute: 50 }], 1, 0],
  [
    [
      { key: 'd', perMinute: 60 },
      { key: 't', perMinute: 100 },
    ],
    60,
    0,
  ],
  [[{ key: 't', perMinute: 100 }], 40, 0],
  [
    [
      { key: 'd', perMinute: 60 },
      { key: 't', perMinute: 100 },
    ],
    60,
    0,
  ],
  [[{ key: 't', perMinute: 100 }], 20, 12_000],
  [
    [
      { key: 'd', perMinute: 60 },
      { key: 't', perMinute: 100 },
    ],
    10,
    12_000,
  ],
  [
    [
      { key: 'd', perMinute: 60 },
      { key: 't', perMinute: 100 },
    ],
    12,
    20_000,
  ],
  [[{ key: 'e', perMinute: 7 }], 3, 1_234],
  [[{ key: 'e', perMinute: 7 }], 3, 2_345],
  [[{ key: 'e', perMinute: 7 }], 3, 3_456],
];

/** A take's outcome with what the buckets hold rounded, to compare stores. */
const shown = (take: BucketTake) => ({ ...take, left: take.left.map((n) => Math.round(n * 1e6) / 1e6) });

/** A TCP relay to Redis that the test can cut and restore: Redis out of reach, then back. */
async function relay(
  target: URL,
): Promise<{ port: number; cut(): void; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 6379), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  await listen();
  const cut = () => {
    server?.close();
    for (const s of sockets) s.destroy();
  };
  return { port, cut, restore: listen, close: async () => cut() };
}

describe('limits shared through Redis', { skip: !url }, () => {
  const prefix = testRedisPrefix();
  const opened: RedisLimits[] = [];
  const open = async (
    options: { prefix?: string; url?: string; onError?: (error: unknown) => void } = {},
  ) => {
    const limits = new RedisLimits({
      url: options.url ?? url!,
      prefix: options.prefix ?? prefix,
      onError: options.onError ?? ((error) => assert.fail(String(error))),
    });
    opened.push(limits);
    await limits.ready();
    return limits;
  };
  after(async () => {
    for (const limits of opened) await limits.close();
    await dropRedisPrefix(url!, prefix);
  });

  it('decide every take as one process’s own buckets do', async () => {
    const memory = new MemoryTokenBuckets();
    const shared = (await open({ prefix: `${prefix}:script` })).buckets;
    for (const [i, [buckets, count, at]] of SCRIPT.entries())
      assert.deepEqual(
        shown(await shared.take(buckets, count, t0 + at)),
        shown(memory.take(buckets, count, t0 + at)),
        `take ${i}: ${count} from ${buckets.map((b) => `${b.key}/${b.perMinute}`).join(' + ')} at +${at} ms`,
      );
  });

  it('are one set of buckets for every process, each expiring once full again', async () => {
    const [first, second] = [await open(), await open()];
    const ids = [{ key: 'alerts:source:ids', perMinute: 100 }];
    assert.equal((await first.buckets.take(ids, 70, t0)).taken, true);
    const refused = await second.buckets.take(ids, 40, t0);
    assert.deepEqual(shown(refused), { taken: false, left: [30], index: 0, seconds: 6 });
    assert.equal((await second.buckets.take(ids, 30, t0)).taken, true);
    const redis = new Redis(url!);
    try {
      const ttl = await redis.pttl(`${prefix}:limits:alerts:source:ids`);
      // Empty: full again in 60 s, kept a second longer.
      assert.ok(ttl > 59_000 && ttl <= 61_000, String(ttl));
    } finally {
      redis.disconnect();
    }
  });

  it('decide in this process while Redis is out of reach, and share again once it answers', async () => {
    const target = new URL(url!);
    const link = await relay(target);
    const errors: string[] = [];
    const limits = await open({
      url: `redis://127.0.0.1:${link.port}${target.pathname}`,
      prefix: `${prefix}:relay`,
      onError: (error) => errors.push(String(error)),
    });
    const other = await open({ prefix: `${prefix}:relay` });
    const fw = [{ key: 'fw', perMinute: 10 }];
    try {
      assert.equal((await limits.buckets.take(fw, 10, t0)).taken, true);
      link.cut();
      await until('the client to notice', () => !limits.connected, 5_000);
      // Out of reach: this process's own bucket, full, decides — and says so, once.
      assert.equal((await limits.buckets.take(fw, 10, t0)).taken, true);
      assert.equal((await limits.buckets.take(fw, 1, t0)).taken, false);
      assert.equal(limits.fallbacks, 2);
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.match(errors[0]!, /Redis/);
      await link.restore();
      await until('Redis to answer again', () => limits.connected, 15_000);
      // Shared again: the bucket in Redis, spent before the cut, refuses; the other process agrees.
      assert.equal((await limits.buckets.take(fw, 1, t0)).taken, false);
      assert.equal((await other.buckets.take(fw, 1, t0 + 6_000)).taken, true);
      assert.equal(limits.fallbacks, 2);
    } finally {
      link.cut();
    }
  });
});
