import { storageTrouble } from './storage-errors.ts';
import { durabilityDeferred, withDeferredDurability, withFullDurability } from './commit-durability.ts';

/**
 * Group commit: jobs submitted while a flush is running (or in the same tick) are written together in
 * the next flush, in one transaction, so the cost of a durable commit is shared by every request
 * waiting for it. Each submitter is answered only after the transaction holding its job committed.
 *
 * A batch commits with full durability unless every job in it was submitted with deferred durability
 * (a playbook action's own writes, made durable by the commit of its outcome:
 * src/store/commit-durability.ts); one ordinary job makes the whole batch wait for the disk.
 */
export class GroupCommit<Job, Result> {
  readonly #flush: (jobs: Job[]) => Promise<Result[]>;
  readonly #maxJobs: number;
  #pending: { job: Job; deferred: boolean; resolve: (r: Result) => void; reject: (e: unknown) => void }[] =
    [];
  #running: Promise<void> | undefined;
  #scheduled = false;

  constructor(flush: (jobs: Job[]) => Promise<Result[]>, maxJobs = 256) {
    this.#flush = flush;
    this.#maxJobs = maxJobs;
  }

  submit(job: Job): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.#pending.push({ job, deferred: durabilityDeferred(), resolve, reject });
      this.#schedule();
    });
  }

  /** Jobs submitted and not yet taken into a flush. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Resolves once everything submitted so far is committed (or failed). */
  async drain(): Promise<void> {
    while (this.#running || this.#pending.length > 0 || this.#scheduled) {
      if (this.#running) await this.#running;
      else await new Promise((r) => setImmediate(r));
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    // The batch commits for every submitter: it is not deferred because the job that set it going was.
    withFullDurability(() =>
      setImmediate(() => {
        this.#scheduled = false;
        this.#running = this.#run().finally(() => {
          this.#running = undefined;
          if (this.#pending.length > 0) this.#schedule();
        });
      }),
    );
  }

  async #run(): Promise<void> {
    const batch = this.#pending.splice(0, this.#maxJobs);
    if (batch.length === 0) return;
    try {
      const results = await this.#flushWith(
        batch.map((b) => b.job),
        batch.every((b) => b.deferred),
      );
      batch.forEach((b, i) => b.resolve(results[i] as Result));
    } catch (error) {
      // A database that cannot take a write (full, read-only, out of reach) refuses each job alone too.
      if (batch.length === 1 || storageTrouble(error)) {
        for (const b of batch) b.reject(error);
        return;
      }
      // One job may have poisoned the batch: retry each alone so the others still commit.
      for (const b of batch) {
        try {
          const [result] = await this.#flushWith([b.job], b.deferred);
          b.resolve(result as Result);
        } catch (single) {
          b.reject(single);
        }
      }
    }
  }

  #flushWith(jobs: Job[], deferred: boolean): Promise<Result[]> {
    return deferred ? withDeferredDurability(() => this.#flush(jobs)) : this.#flush(jobs);
  }
}
