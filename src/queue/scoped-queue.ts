import { InProcessQueue } from './in-process-queue.ts';
import type { ActionJob, JobHandler, WorkQueue } from './work-queue.ts';

/**
 * A process's queue when a shared one (Redis) is configured: jobs go to the shared queue, unless the
 * process is a scoped worker (the CLI running one playbook beside the servers). That one calls
 * `keepLocal`, and from then on the attempts its engine makes — its own run's, and its sub-runs' —
 * stay in a local queue it works itself. So the CLI neither waits for a worker process to run its
 * playbook nor takes other runs' attempts from the worker processes.
 */
export class ScopedQueue<SharedResult> implements WorkQueue<unknown> {
  readonly #shared: WorkQueue<SharedResult>;
  readonly #local = new InProcessQueue();
  #localOnly = false;

  constructor(shared: WorkQueue<SharedResult>) {
    this.#shared = shared;
  }

  keepLocal(handler: JobHandler, concurrency: number): void {
    this.#localOnly = true;
    this.#local.process(handler, concurrency);
  }

  enqueue(jobs: readonly ActionJob[]): void {
    if (this.#localOnly) this.#local.enqueue(jobs);
    else this.#shared.enqueue(jobs);
  }

  /** Takes jobs from the shared queue: a full worker. */
  process(handler: JobHandler<SharedResult>, concurrency: number): void {
    this.#shared.process(handler, concurrency);
  }

  size(): number {
    return this.#local.size() + this.#shared.size();
  }

  async close(): Promise<void> {
    await this.#local.close();
    await this.#shared.close();
  }
}
