/**
 * Token buckets: the arithmetic behind the API's rate limit and the alert limits of sources and
 * tenants. A bucket holds a minute's allowance (`perMinute`) and refills continuously. Taking `count`
 * from several buckets is all or nothing: it goes through when each bucket holds `count` — or, when
 * `count` is more than a whole minute's allowance, when the bucket is full; the bucket then runs into
 * debt (negative), and what comes next waits until it is paid off, so a single large batch is never
 * refused for good and a sender goes at its limit on average. A refused take changes nothing. A
 * bucket whose limit changed starts full with the new one; a bucket nobody kept is full.
 *
 * Two stores keep them: `MemoryTokenBuckets`, one process's own, and `RedisTokenBuckets`
 * (src/limits/redis-limits.ts), shared by every process of a deployment with Redis.
 */

/** One bucket to take from: its key and its allowance. */
export interface Bucket {
  key: string;
  perMinute: number;
}

/** What a take did: `left` is what each bucket holds after it (what it held, when refused). */
export type BucketTake =
  | { taken: true; left: number[] }
  | {
      taken: false;
      left: number[];
      /** The bucket that makes the take wait longest, and the whole seconds after which it would go. */
      index: number;
      seconds: number;
    };

export interface TokenBuckets {
  /** Synchronous for one process's own buckets; a promise for shared ones. */
  take(buckets: readonly Bucket[], count: number, now: number): BucketTake | Promise<BucketTake>;
}

/** What a bucket holds `elapsedMs` after it held `tokens` (in debt when negative). */
export function refilled(tokens: number, elapsedMs: number, perMinute: number): number {
  return Math.min(perMinute, tokens + (Math.max(0, elapsedMs) * perMinute) / 60_000);
}

/**
 * The decision on a take, given what each bucket holds now: the same arithmetic as the Redis script
 * in src/limits/redis-limits.ts (the stores' shared test suite holds them to it).
 */
export function decide(buckets: readonly Bucket[], holds: readonly number[], count: number): BucketTake {
  let index = -1;
  let seconds = 0;
  buckets.forEach(({ perMinute }, i) => {
    const tokens = holds[i]!;
    const needed = Math.min(count, perMinute);
    if (tokens >= needed) return;
    const wait = Math.max(1, Math.ceil(((needed - tokens) * 60) / perMinute));
    if (wait > seconds) {
      index = i;
      seconds = wait;
    }
  });
  if (index >= 0) return { taken: false, left: [...holds], index, seconds };
  return { taken: true, left: holds.map((tokens) => tokens - count) };
}

/**
 * One process's buckets, in memory. Past `maxBuckets`, the ones full again are forgotten (a missing
 * bucket is a full one); past four times as many, the ones untouched longest too.
 */
export class MemoryTokenBuckets implements TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number; perMinute: number }>();
  readonly #maxBuckets: number;

  constructor(maxBuckets = 100_000) {
    this.#maxBuckets = maxBuckets;
  }

  take(buckets: readonly Bucket[], count: number, now: number): BucketTake {
    const holds = buckets.map(({ key, perMinute }) => {
      const bucket = this.#buckets.get(key);
      return bucket === undefined || bucket.perMinute !== perMinute
        ? perMinute
        : refilled(bucket.tokens, now - bucket.at, perMinute);
    });
    const decision = decide(buckets, holds, count);
    if (!decision.taken) return decision;
    buckets.forEach(({ key, perMinute }, i) => {
      // Re-inserted on every take: the Map's order is then least recently used first.
      this.#buckets.delete(key);
      this.#buckets.set(key, { tokens: decision.left[i]!, at: now, perMinute });
    });
    if (this.#buckets.size > this.#maxBuckets) this.#forget(now);
    return decision;
  }

  /** Buckets in memory. */
  get size(): number {
    return this.#buckets.size;
  }

  #forget(now: number): void {
    for (const [key, { tokens, at, perMinute }] of this.#buckets)
      if (refilled(tokens, now - at, perMinute) >= perMinute) this.#buckets.delete(key);
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size <= this.#maxBuckets * 4) break;
      this.#buckets.delete(key);
    }
  }
}
