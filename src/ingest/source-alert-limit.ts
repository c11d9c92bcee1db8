import { RiposteError } from '../core/riposte-error.ts';
import { MemoryTokenBuckets, type BucketTake, type TokenBuckets } from '../limits/token-buckets.ts';

/** Past this many buckets in memory, the ones full again are forgotten (a missing bucket is a full one). */
const MAX_BUCKETS = 1000;

/** What a source over a limit was refused, for /metrics: requests (or batches) and their alerts. */
export interface LimitRefusals {
  requests: number;
  alerts: number;
}

/** One limit a body's alerts are held to: a bucket of its own, and how a refusal names it. */
export interface AlertLimit {
  /** The bucket's key: `alerts:source:` and a source's name, or TENANT_BUCKET. */
  bucket: string;
  perMinute: number;
  /** Who is limited, as the refusal says it: "source ids may send 5 alerts a minute and has sent them". */
  says: string;
}

/** The bucket of a tenant's limit, shared by all its sources (a tenant's keys are its own). */
export const TENANT_BUCKET = 'alerts:tenant';

/** The limit of one source. */
export function sourceLimit(source: string, perMinute: number): AlertLimit {
  return {
    bucket: `alerts:source:${source}`,
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
 * Alert limits (`alertLimitPerMinute` of a source, and of a tenant for all its sources): a token
 * bucket per limit (src/limits/token-buckets.ts) — in this process, or with Redis shared by every
 * process of the deployment. A request of n alerts goes through when each of its buckets holds n —
 * or, for a request larger than a whole minute's allowance, when the bucket is full; the bucket then
 * runs into debt, and what comes next waits until it is paid off. So a sensor in an alert storm, or
 * one replaying a day of backlog, goes at its limit on average, and a single large batch is never
 * refused for good. A refused request is refused whole (nothing of it is stored, nothing taken from
 * any bucket) with the time after which it would go through. A limit that changes starts with a whole
 * minute's allowance of the new one.
 */
export class SourceAlertLimiter {
  readonly #buckets: TokenBuckets;
  readonly #refused = new Map<string, LimitRefusals>();

  constructor(buckets: TokenBuckets = new MemoryTokenBuckets(MAX_BUCKETS)) {
    this.#buckets = buckets;
  }

  /**
   * Takes `count` alerts `source` sent from each of `limits`' buckets, or from none and throws
   * `source_rate_limited` naming the limit that makes it wait longest and when to retry. Synchronous
   * with this process's own buckets; a promise with shared ones.
   */
  take(source: string, limits: readonly AlertLimit[], count: number, now: number): void | Promise<void> {
    const buckets = limits.map(({ bucket, perMinute }) => ({ key: bucket, perMinute }));
    const taken = this.#buckets.take(buckets, count, now);
    if (taken instanceof Promise) return taken.then((t) => this.#settle(source, limits, count, t));
    this.#settle(source, limits, count, taken);
  }

  /** Whether the buckets are shared (Redis): `take` then answers with a promise. */
  get shared(): boolean {
    return !(this.#buckets instanceof MemoryTokenBuckets);
  }

  /** What each source was refused since the process started (by its own limit or its tenant's). */
  refusals(): ReadonlyMap<string, LimitRefusals> {
    return this.#refused;
  }

  #settle(source: string, limits: readonly AlertLimit[], count: number, taken: BucketTake): void {
    if (taken.taken) return;
    const refused = this.#refused.get(source) ?? { requests: 0, alerts: 0 };
    refused.requests++;
    refused.alerts += count;
    this.#refused.set(source, refused);
    throw new RiposteError(
      'source_rate_limited',
      `${limits[taken.index]!.says}; nothing of these ${count} was stored — try again in ${taken.seconds} s`,
      { extra: { retryAfterSeconds: taken.seconds } },
    );
  }
}

/** The seconds to wait when `error` is a source's alert limit refusing its alerts; else undefined. */
export function limitWait(error: unknown): number | undefined {
  if (!(error instanceof RiposteError) || error.code !== 'source_rate_limited') return undefined;
  const retryAfter = error.extra?.retryAfterSeconds;
  return typeof retryAfter === 'number' ? retryAfter : 1;
}
