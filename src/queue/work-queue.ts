import type { ActionEffect } from '../core/playbook.ts';

/** One action attempt to carry out. The run's stored state is the durable record; the queue only delivers. */
export interface ActionJob {
  runId: string;
  stepKey: string;
  action: string;
  effect: ActionEffect;
  /** Real values, secrets included: a queue keeps jobs in memory only (or encrypted, for a remote queue). */
  input: Record<string, unknown>;
  attempt: number;
  idempotencyKey: string;
  timeoutMs: number | null;
  /** Intercept side effects: write and destructive actions report what they would do instead. */
  dryRun: boolean;
  /** The RE&CT id the step carries out (its `react:`, else its action's), for the action ledger. */
  react?: string;
}

/** Carries out one job; what it resolves is for the queue that called it (the Redis queue reads `later`). */
export type JobHandler<Result = void> = (job: ActionJob) => Promise<Result>;

/**
 * The engine's work queue port. Delivery is at least once: a job lost with a crashed process is
 * re-enqueued from the run's state on recovery, and the idempotency key makes the repeat harmless.
 */
export interface WorkQueue<Result = void> {
  enqueue(jobs: readonly ActionJob[]): void;
  /** Starts delivering jobs to the handler, at most `concurrency` at a time. */
  process(handler: JobHandler<Result>, concurrency: number): void;
  /** Jobs queued or in progress. */
  size(): number;
  /** Stops taking new jobs and waits for those in progress. Queued jobs are dropped (recovery re-creates them). */
  close(): Promise<void>;
}
