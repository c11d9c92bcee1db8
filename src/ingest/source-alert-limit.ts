import { RiposteError } from '../core/riposte-error.ts';

/** Past this many buckets, the ones full again by now are forgotten (a missing bucket is a full one). */
const MAX_BUCKETS = 1000;

/** What a source over a limit was refused, for /metrics: requests (or batches) and their alerts. */
export interface LimitRefusals {
  requests: number;
  alerts: number;
}

/** One limit a body's alerts are held to: a bucket of its own, and how a refusal names it. */
export interface AlertLimit {
  /** The bucket's key: a source's name, or TENANT_BUCKET. */
  bucket: string;
  perMinute: number;
  /** Who is limited, as the refusal says it: "source ids may send 5 alerts a minute and has sent them". */
  says: string;
}

/** The bucket of a tenant's limit, shared by all its sources (no source name has a NUL). */
export const TENANT_BUCKET = '\u0000tenant';

/** The limit of one source. */
export function sourceLimit(source: string, perMinute: number): AlertLimit {
  return {
    bucket: source,
    perMinute,
    says: `source ${source} may send ${perMinute} alerts a minute and has sent them`,
  };
}

/** The limit of a tenant: all its sources together. */
export function tenantLimit(slug: string, perMinute: number): AlertLimit {
  return {
    bucket: TENANT_BUCKET,
    perMinute,
    says: `the sources of tenant ${slug} may send ${perMinute} alerts a minute together and have sent them`,
  };
}

/**
 * Alert limits (`alertLimitPerMinute` of a source, and of a tenant for all its sources), per
 * process: a bucket per limit holds a minute's allowance and refills continuously. A request of n
 * alerts goes through when each of its buckets holds n — or, for a request larger than a whole
 * minute's allowance, when the bucket is full; the bucket then runs into debt, and what comes next
 * waits until it is paid off. So a sensor in an alert storm, or one replaying a day of backlog, goes
 * at its limit on average, and a single large batch is never refused for good. A refused request is
 * refused whole (nothing of it is stored, nothing taken from any bucket) with the time after which
 * it would go through. A limit that changes starts with a whole minute's allowance of the new one.
 */
export class SourceAlertLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number; perMinute: number }>();
  readonly #refused = new Map<string, LimitRefusals>();

  /**
   * Takes `count` alerts `source` sent from each of `limits`' buckets, or from none and throws
   * `source_rate_limited` naming the limit that makes it wait longest and when to retry.
   */
  take(source: string, limits: readonly AlertLimit[], count: number, now: number): void {
    let refusal: { limit: AlertLimit; seconds: number } | undefined;
    const after: number[] = [];
    for (const limit of limits) {
      const { perMinute } = limit;
      const bucket = this.#buckets.get(limit.bucket);
      // A new limit (the source or tenant was changed) starts with a whole minute's allowance of it.
      const tokens =
        bucket === undefined || bucket.perMinute !== perMinute
          ? perMinute
          : refilled(bucket.tokens, now - bucket.at, perMinute);
      const needed = Math.min(count, perMinute);
      after.push(tokens - count);
      if (tokens >= needed) continue;
      const seconds = Math.max(1, Math.ceil(((needed - tokens) * 60) / perMinute));
      if (!refusal || seconds > refusal.seconds) refusal = { limit, seconds };
    }
    if (refusal) {
      // Kept as they were: a refused request takes nothing, and its wait counts from the last take.
      const refused = this.#refused.get(source) ?? { requests: 0, alerts: 0 };
      refused.requests++;
      refused.alerts += count;
      this.#refused.set(source, refused);
      throw new RiposteError(
        'source_rate_limited',
        `${refusal.limit.says}; nothing of these ${count} was stored — try again in ${refusal.seconds} s`,
        { extra: { retryAfterSeconds: refusal.seconds } },
      );
    }
    limits.forEach((limit, i) =>
      this.#buckets.set(limit.bucket, { tokens: after[i]!, at: now, perMinute: limit.perMinute }),
    );
    if (this.#buckets.size > MAX_BUCKETS) this.#forgetFull(now);
  }

  /** Limits with a bucket in memory. */
  get buckets(): number {
    return this.#buckets.size;
  }

  /** What each source was refused since the process started (by its own limit or its tenant's). */
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
