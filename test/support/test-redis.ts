import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export { dropRedisPrefix } from '../../src/queue/redis-keys.ts';

/**
 * The Redis the scale-out suites run against: RIPOSTE_TEST_REDIS_URL (`.ci/run` sets it). In CI
 * (CI=1) a missing Redis is a failure, never a silent skip; elsewhere the suites are left out.
 */
export function testRedisUrl(): string | undefined {
  const url = process.env.RIPOSTE_TEST_REDIS_URL;
  if (url) return url;
  if (process.env.CI)
    throw new Error('CI=1 but RIPOSTE_TEST_REDIS_URL is not set: the scale-out suite must run in CI');
  return undefined;
}

/** A key prefix of the test's own, so suites running at once never see each other's jobs. */
export function testRedisPrefix(): string {
  return `riposte-test-${randomBytes(5).toString('hex')}`;
}

/** Every value stored under the prefix, as text (to check what a job leaves readable in Redis). */
export async function everythingUnder(url: string, prefix: string): Promise<string> {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  try {
    const keys = await redis.keys(`${prefix}:*`);
    const parts: string[] = [];
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'string') parts.push((await redis.get(key)) ?? '');
    }
    return parts.join('\n');
  } finally {
    redis.disconnect();
  }
}
