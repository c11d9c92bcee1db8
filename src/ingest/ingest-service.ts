import type { Actor } from '../audit/audit-log.ts';
import { nowIso, nowMs } from '../core/clock.ts';
import { RiposteError } from '../core/riposte-error.ts';
import type { Source } from '../sources/source-service.ts';
import type { IngestWriter } from './ingest-writer.ts';
import { prepareBody, type IngestBody, type PreparedBody, type Rejection } from './prepare-body.ts';
import type { PreparePool } from './prepare-pool.ts';
import type { TokenBuckets } from '../limits/token-buckets.ts';
import { SourceAlertLimiter, sourceLimit, tenantLimit, type AlertLimit } from './source-alert-limit.ts';

export type { Rejection } from './prepare-body.ts';

/** What this process's ingest took in since it started, by every path (API, syslog, pulls, files). */
export interface IngestCounts {
  /** Alerts stored. */
  accepted: number;
  /** Alerts counted as duplicates of a stored one. */
  duplicates: number;
  /** Records the normalizers rejected. */
  rejected: number;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: Rejection[];
  alertIds: string[];
}

/** Bodies at least this long (bytes, or characters of text) go to an ingest thread if there is one. */
export const THREAD_MIN_BODY = 32 * 1024;
/**
 * A smaller body (a webhook's single alert) goes to a thread too, unless no thread is ready yet or
 * every ready thread has at least this much unanswered work (a bulk body): then it is prepared here
 * rather than wait.
 */
export const SMALL_BODY_MAX_BACKLOG = 64 * 1024;

/**
 * The ingest pipeline in front of the writer: prepare the body (split, normalize, fingerprint:
 * src/ingest/prepare-body.ts) — on an ingest thread when there are threads, unless the body is small
 * and the threads are busy with large ones — and hand the batch to the writer, which answers after
 * the durable commit.
 */
export class IngestService {
  readonly #writer: IngestWriter;
  readonly #pool: PreparePool | undefined;
  readonly #onReceived: ((source: string) => void) | undefined;
  /** What was taken in since the process started (the main installation's /metrics shows a tenant's). */
  readonly counts: IngestCounts = { accepted: 0, duplicates: 0, rejected: 0 };
  /** Sources' alert limits (what a source sends, not a file `riposte ingest` reads). */
  readonly limits: SourceAlertLimiter;
  /** The tenant's limit for all its sources together, when this is a tenant's Riposte and it has one. */
  #tenantLimit: AlertLimit | undefined;
  /** With shared buckets: the last limited commit's check, which the next one's waits for (order). */
  #limitTurn: Promise<unknown> = Promise.resolve();

  /**
   * `onReceived` is told the source's name after each commit (what watching for silence needs);
   * `buckets` keep the alert limits (this process's own when left out, or Redis's).
   */
  constructor(
    writer: IngestWriter,
    pool?: PreparePool,
    onReceived?: (source: string) => void,
    buckets?: TokenBuckets,
  ) {
    this.#writer = writer;
    this.#pool = pool;
    this.#onReceived = onReceived;
    this.limits = new SourceAlertLimiter(buckets);
  }

  async ingest(source: Source, body: IngestBody, contentType: string, actor: Actor): Promise<IngestResult> {
    return this.commit(source, await this.prepare(source, body, contentType), actor);
  }

  /**
   * The first half of `ingest`: the body split, normalized and fingerprinted (on an ingest thread
   * when there is one). Several bodies can be prepared at once; `commit` them in the order wanted.
   */
  prepare(source: Source, body: IngestBody, contentType: string): Promise<PreparedBody> {
    return this.#prepare(source, body, contentType, nowIso());
  }

  /**
   * The second half: hands the prepared body to the writer — at once, before this returns (with
   * alert limits in Redis, once the check of the body committed before it has answered), so bodies
   * committed one after another are written in that order — and answers after the durable
   * commit. Throws `no_valid_records` when nothing in the body could be ingested, and
   * `source_rate_limited` (nothing stored) when the source sent more than its alert limit allows.
   */
  async commit(source: Source, prepared: PreparedBody, actor: Actor): Promise<IngestResult> {
    const { records, alerts, rejected } = prepared;
    if (alerts.length === 0) {
      this.counts.rejected += rejected.length;
      const first = rejected[0];
      throw new RiposteError(
        'no_valid_records',
        records === 0
          ? 'the body holds no records'
          : `none of the ${records} records could be ingested; record ${first?.index}: ${first?.error}`,
        {
          extra: { rejected },
          ...(first?.path === undefined ? {} : { path: `/${first.index}${first.path}` }),
        },
      );
    }
    if (actor.type === 'source' && (source.alertLimitPerMinute !== null || this.#tenantLimit)) {
      const limits: AlertLimit[] = [];
      if (source.alertLimitPerMinute !== null)
        limits.push(sourceLimit(source.name, source.alertLimitPerMinute));
      if (this.#tenantLimit) limits.push(this.#tenantLimit);
      // Shared buckets answer later: bodies committed one after another still reach the writer in
      // that order, each once the check before it has answered.
      if (this.limits.shared) {
        const turn = this.#limitTurn.then(() =>
          this.limits.take(source.name, limits, alerts.length, nowMs()),
        );
        this.#limitTurn = turn.catch(() => undefined);
        return turn.then(() => this.#write(source, prepared, actor));
      }
      this.limits.take(source.name, limits, alerts.length, nowMs());
    }
    return this.#write(source, prepared, actor);
  }

  async #write(source: Source, { alerts, rejected }: PreparedBody, actor: Actor): Promise<IngestResult> {
    // Reached before the first await, so the job is submitted while `commit` is being called.
    const result = await this.#writer.write({
      source: source.name,
      format: source.format,
      actor,
      alerts,
      rejected: rejected.length,
    });
    this.#onReceived?.(source.name);
    this.counts.accepted += alerts.length - result.duplicates;
    this.counts.duplicates += result.duplicates;
    this.counts.rejected += rejected.length;
    return {
      accepted: alerts.length - result.duplicates,
      duplicates: result.duplicates,
      rejected,
      alertIds: result.alertIds,
    };
  }

  /**
   * Holds all the sources of a tenant's Riposte together to `perMinute` alerts a minute (null: no
   * limit); the tenant host sets it from the list of tenants when it opens the tenant and at each
   * refresh.
   */
  setTenantLimit(slug: string, perMinute: number | null): void {
    if (perMinute === null) this.#tenantLimit = undefined;
    else if (this.#tenantLimit?.perMinute !== perMinute) this.#tenantLimit = tenantLimit(slug, perMinute);
  }

  async #prepare(
    source: Source,
    body: IngestBody,
    contentType: string,
    receivedAt: string,
  ): Promise<PreparedBody> {
    const pool = this.#pool;
    if (pool && (body.length >= THREAD_MIN_BODY || pool.backlog() < SMALL_BODY_MAX_BACKLOG)) {
      try {
        return await pool.prepare(source, body, contentType, receivedAt);
      } catch (error) {
        if (error instanceof RiposteError) throw error;
        // The thread failed (or met a fault): prepare here instead, which gives the same answer or
        // the same error; a lost thread is replaced by the next body that needs one.
      }
    } else {
      // A small body never waits for a thread to start; it starts one for the bodies after it.
      pool?.warm();
    }
    return prepareBody(source, body, contentType, receivedAt);
  }
}
