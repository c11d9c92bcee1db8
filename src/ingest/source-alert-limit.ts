import { RiposteError } from '../core/riposte-error.ts';

/** Past this many buckets, the ones full again by now are forgotten (a missing bucket is a full one). */
const MAX_BUCKETS = 1000;

/** What a source over its limit was refused, for /metrics: requests (or batches) and their alerts. */
export interface LimitRefusals {
  requests: number;
  alerts: number;
}

/**
 * Sources' alert limits (`alertLimitPerMinute`), per process: a bucket per source holds a minute's
 * allowance and refills continuously. A request of n alerts goes through when the bucket holds n —
 * or, for a request larger than a whole minute's allowance, when it is full; the bucket then runs
 * into debt, and what comes next waits until it is paid off. So a sensor in an alert storm, or one
 * replaying a day of backlog, goes at its limit on average, and a single large batch is never refused
 * for good. A refused request is refused whole (nothing of it is stored) with the time after which it
 * would go through. A source whose limit changes starts with a whole minute's allowance of the new one.
 */
export class SourceAlertLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number; perMinute: number }>();
  readonly #refused = new Map<string, LimitRefusals>();

  /** Takes `count` alerts from `source`'s bucket, or throws `source_rate_limited` naming when to retry. */
  take(source: string, perMinute: number, count: number, now: number): void {
    const perMs = perMinute / 60_000;
    const bucket = this.#buckets.get(source);
    // A new limit (the source was changed) starts with a whole minute's allowance of it.
    const tokens =
      bucket === undefined || bucket.perMinute !== perMinute
        ? perMinute
        : refilled(bucket.tokens, now - bucket.at, perMinute);
    const needed = Math.min(count, perMinute);
    if (tokens < needed) {
      // Kept as it was: a refused request takes nothing, and its wait counts from the last take.
      const refused = this.#refused.get(source) ?? { requests: 0, alerts: 0 };
      refused.requests++;
      refused.alerts += count;
      this.#refused.set(source, refused);
      const retryAfterSeconds = Math.max(1, Math.ceil((needed - tokens) / perMs / 1000));
      throw new RiposteError(
        'source_rate_limited',
        `source ${source} may send ${perMinute} alerts a minute and has sent them; nothing of these ${count} was stored — try again in ${retryAfterSeconds} s`,
        { extra: { retryAfterSeconds } },
      );
    }
    this.#buckets.set(source, { tokens: tokens - count, at: now, perMinute });
    if (this.#buckets.size > MAX_BUCKETS) this.#forgetFull(now);
  }

  /** Sources with a bucket in memory. */
  get buckets(): number {
    return this.#buckets.size;
  }

  /** What each source was refused since the process started. */
  refusals(): ReadonlyMap<string, LimitRefusals> {
    return this.#refused;
  }

  #forgetFull(now: number): void {
    for (const [source, { tokens, at, perMinute }] of this.#buckets)
      if (refilled(tokens, now - at, perMinute) >= perMinute) this.#buckets.delete(source);
  }
}

/** What a bucket holds `elapsedMs` after it held `tokens` (in debt when negative). */
function refilled(tokens: number, elapsedMs: number, perMinute: number): number {
  return Math.min(perMinute, tokens + (Math.max(0, elapsedMs) * perMinute) / 60_000);
}

/** The seconds to wait when `error` is a source's alert limit refusing its alerts; else undefined. */
export function limitWait(error: unknown): number | undefined {
  if (!(error instanceof RiposteError) || error.code !== 'source_rate_limited') return undefined;
  const retryAfter = error.extra?.retryAfterSeconds;
  return typeof retryAfter === 'number' ? retryAfter : 1;
}
