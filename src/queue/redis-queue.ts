import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { ActionJob, JobHandler, WorkQueue } from './work-queue.ts';

/**
 * What a handler of attempts any process may carry out resolves: undefined once the outcome is
 * committed, `later` when a guardrail holds the attempt (the queue offers it again, to any process).
 */
export type SharedOutcome = 'later' | void;

export interface RedisWorkQueueOptions {
  url: string;
  /** Job data holds action inputs, secrets included: sealed before it leaves the process. */
  seal(plaintext: string): string;
  open(sealed: string): string;
  onError(error: unknown, message: string): void;
  /** Keys are `<prefix>:<queue>:…` (BullMQ's layout), so several installations can share one Redis. */
  prefix?: string;
  /**
   * A worker's hold on an attempt it is carrying out, renewed while the process lives. When a process
   * dies, its attempts go back to the queue once this much time has passed without a renewal.
   */
  leaseMs?: number;
  /** How soon an attempt a guardrail holds (kill switch, pending approval) is looked at again. */
  parkedRetryMs?: number;
}

const QUEUE = 'actions';
const ABORTS = 'aborts';
/** A completed attempt's job is kept this long, so that re-enqueuing it (recovery) is a no-op. */
const KEEP_COMPLETED_S = 3_600;
const KEEP_FAILED_S = 7 * 86_400;
const DELIVERY_ATTEMPTS = 10;

/**
 * The scale-out work queue (BullMQ on Redis). An attempt's job id is its idempotency key, so the
 * same attempt enqueued twice (a worker recovering runs while another is carrying them out) is one
 * job; the worker carrying it out holds a lease on it, and a dead worker's attempts are taken up by
 * another once the lease lapses. A job completes only once the attempt's outcome is committed.
 */
export class RedisWorkQueue implements WorkQueue<SharedOutcome> {
  readonly #options: RedisWorkQueueOptions;
  readonly #prefix: string;
  #queue: Queue | undefined;
  #worker: Worker | undefined;
  #subscriber: Redis | undefined;
  #publisher: Redis | undefined;
  /** Jobs not yet written to Redis (it is briefly away): written again until it takes them. */
  #pending: ActionJob[] = [];
  #adding: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;
  #active = 0;
  #closed = false;

  constructor(options: RedisWorkQueueOptions) {
    this.#options = options;
    this.#prefix = options.prefix ?? 'riposte';
  }

  enqueue(jobs: readonly ActionJob[]): void {
    if (this.#closed || jobs.length === 0) return;
    this.#pending.push(...jobs);
    this.#flush();
  }

  process(handler: JobHandler<SharedOutcome>, concurrency: number): void {
    const { leaseMs = 30_000, parkedRetryMs = 1_000, open, onError } = this.#options;
    this.#worker = new Worker(
      QUEUE,
      async (job: Job<{ sealed: string }>, token?: string) => {
        const action = JSON.parse(open(job.data.sealed)) as ActionJob;
        this.#active++;
        try {
          if ((await handler(action)) === 'later') {
            await job.moveToDelayed(Date.now() + parkedRetryMs, token);
            throw new DelayedError();
          }
        } finally {
          this.#active--;
        }
      },
      {
        connection: this.#connection(),
        prefix: this.#prefix,
        concurrency: Math.max(1, concurrency),
        lockDuration: leaseMs,
        stalledInterval: Math.max(1_000, Math.floor(leaseMs / 2)),
        maxStalledCount: 5,
      },
    );
    this.#worker.on('error', (error) => onError(error, 'the Redis work queue failed; reconnecting'));
  }

  /** Tells every process to abort this attempt if it is carrying it out (a run cancelled elsewhere). */
  abortEverywhere(runId: string, stepKey: string): void {
    this.#publisher ??= new Redis(this.#options.url, { maxRetriesPerRequest: 3 });
    this.#publisher
      .publish(this.#channel(), JSON.stringify([runId, stepKey]))
      .catch((error: unknown) => this.#options.onError(error, 'publishing an abort failed'));
  }

  /** Calls `abort` for every abort any process publishes. */
  async onAbort(abort: (runId: string, stepKey: string) => void): Promise<void> {
    this.#subscriber = new Redis(this.#options.url, { maxRetriesPerRequest: null });
    this.#subscriber.on('message', (_channel: string, message: string) => {
      try {
        const [runId, stepKey] = JSON.parse(message) as [string, string];
        abort(runId, stepKey);
      } catch (error) {
        this.#options.onError(error, 'an abort message could not be read');
      }
    });
    this.#subscriber.on('error', (error) => this.#options.onError(error, 'the abort channel failed'));
    await this.#subscriber.subscribe(this.#channel());
  }

  size(): number {
    return this.#pending.length + this.#active;
  }

  /** Jobs this installation's queue holds, by state. */
  async counts(): Promise<Record<string, number>> {
    return this.#queueOf().getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
  }

  /**
   * The attempts in progress finish and their outcomes commit (the engine must still be open), and
   * what they lead to is written to Redis; what cannot be written waits in the runs' states for the
   * lost-attempt sweep of a live worker.
   */
  async close(): Promise<void> {
    await this.#worker?.close();
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    await this.#adding;
    if (this.#pending.length > 0) {
      this.#flush();
      await this.#adding;
    }
    await this.#queue?.close();
    this.#subscriber?.disconnect();
    this.#publisher?.disconnect();
  }

  #flush(): void {
    if (this.#adding || this.#retry || this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    const { seal, onError } = this.#options;
    this.#adding = this.#queueOf()
      .addBulk(
        batch.map((job) => ({
          name: job.action,
          data: { sealed: seal(JSON.stringify(job)) },
          opts: {
            jobId: jobIdOf(job.idempotencyKey),
            attempts: DELIVERY_ATTEMPTS,
            backoff: { type: 'exponential', delay: 1_000 },
            removeOnComplete: { age: KEEP_COMPLETED_S },
            removeOnFail: { age: KEEP_FAILED_S },
          },
        })),
      )
      .then(
        () => undefined,
        (error: unknown) => {
          onError(error, `${batch.length} action attempts could not be queued in Redis; trying again`);
          this.#pending = [...batch, ...this.#pending];
          if (!this.#closed)
            this.#retry = setTimeout(() => {
              this.#retry = undefined;
              this.#flush();
            }, 1_000);
        },
      )
      .finally(() => {
        this.#adding = undefined;
        if (!this.#closed) this.#flush();
      });
  }

  #queueOf(): Queue {
    if (!this.#queue) {
      this.#queue = new Queue(QUEUE, { connection: this.#connection(), prefix: this.#prefix });
      this.#queue.on('error', (error) => this.#options.onError(error, 'the Redis work queue failed'));
    }
    return this.#queue;
  }

  #connection(): { url: string; maxRetriesPerRequest: null } {
    return { url: this.#options.url, maxRetriesPerRequest: null };
  }

  #channel(): string {
    return `${this.#prefix}:${ABORTS}`;
  }
}

/** BullMQ reserves `:` in ids (idempotency keys have two), so the key is encoded. */
function jobIdOf(idempotencyKey: string): string {
  return `a-${Buffer.from(idempotencyKey).toString('base64url')}`;
}
