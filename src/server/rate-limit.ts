import { MemoryTokenBuckets, type TokenBuckets } from '../limits/token-buckets.ts';

/**
 * The API's rate limit: a token bucket per principal (a person or an API token) — per process, or
 * with Redis one for the whole deployment. A bucket holds a minute's allowance and refills
 * continuously, so a client may burst up to the limit and then goes at limit/60 requests a second.
 */
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
  readonly #buckets: TokenBuckets;
  refused = 0;

  constructor(perMinute: number, buckets: TokenBuckets = new MemoryTokenBuckets()) {
    this.#perMinute = perMinute;
    this.#buckets = buckets;
  }

  get enabled(): boolean {
    return this.#perMinute > 0;
  }

  async take(key: string, now: number): Promise<RateDecision> {
    const limit = this.#perMinute;
    const taken = await this.#buckets.take([{ key: `api:${key}`, perMinute: limit }], 1, now);
    const left = taken.left[0]!;
    if (!taken.taken) this.refused++;
    return {
      allowed: taken.taken,
      limit,
      remaining: Math.max(0, Math.floor(left)),
      resetSeconds: Math.ceil(((limit - left) * 60) / limit),
      retryAfterSeconds: taken.taken ? 0 : taken.seconds,
    };
  }
}
