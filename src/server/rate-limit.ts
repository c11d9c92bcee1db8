/**
 * The API's rate limit: a token bucket per principal (a person or an API token), per process. A
 * bucket holds a minute's allowance and refills continuously, so a client may burst up to the limit
 * and then goes at limit/60 requests a second. A process keeps at most MAX_BUCKETS buckets; the ones
 * untouched longest go first (a forgotten bucket is a full one, which is what it would be by then).
 */

const MAX_BUCKETS = 100_000;

export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** Requests left in the bucket after this one. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** When refused: seconds until one request is allowed. */
  retryAfterSeconds: number;
}

export class RateLimiter {
  readonly #perMinute: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  refused = 0;

  constructor(perMinute: number) {
    this.#perMinute = perMinute;
  }

  get enabled(): boolean {
    return this.#perMinute > 0;
  }

  take(key: string, now: number): RateDecision {
    const limit = this.#perMinute;
    const perMs = limit / 60_000;
    const bucket = this.#buckets.get(key);
    const tokens = bucket === undefined ? limit : Math.min(limit, bucket.tokens + (now - bucket.at) * perMs);
    // Re-inserted on every take: the Map's order is then least recently used first.
    this.#buckets.delete(key);
    if (this.#buckets.size >= MAX_BUCKETS) this.#buckets.delete(this.#buckets.keys().next().value!);
    const allowed = tokens >= 1;
    const left = allowed ? tokens - 1 : tokens;
    this.#buckets.set(key, { tokens: left, at: now });
    if (!allowed) this.refused++;
    return {
      allowed,
      limit,
      remaining: Math.floor(left),
      resetSeconds: Math.ceil((limit - left) / perMs / 1000),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - left) / perMs / 1000)),
    };
  }
}
