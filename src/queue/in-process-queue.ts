import type { ActionJob, JobHandler, WorkQueue } from './work-queue.ts';

/** The embedded default: a FIFO in this process with a concurrency cap. */
export class InProcessQueue implements WorkQueue {
  #jobs: ActionJob[] = [];
  #head = 0;
  #handler: JobHandler | undefined;
  #concurrency = 1;
  #active = 0;
  #closed = false;
  readonly #idle = new Set<() => void>();

  enqueue(jobs: readonly ActionJob[]): void {
    if (this.#closed) return;
    for (const job of jobs) this.#jobs.push(job);
    this.#pump();
  }

  process(handler: JobHandler, concurrency: number): void {
    this.#handler = handler;
    this.#concurrency = Math.max(1, concurrency);
    this.#pump();
  }

  size(): number {
    return this.#jobs.length - this.#head + this.#active;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#jobs = [];
    this.#head = 0;
    if (this.#active > 0) await new Promise<void>((resolve) => this.#idle.add(resolve));
  }

  #pump(): void {
    const handler = this.#handler;
    if (!handler) return;
    while (!this.#closed && this.#active < this.#concurrency && this.#head < this.#jobs.length) {
      const job = this.#jobs[this.#head++]!;
      if (this.#head > 1024 && this.#head * 2 > this.#jobs.length) {
        this.#jobs = this.#jobs.slice(this.#head);
        this.#head = 0;
      }
      this.#active++;
      void handler(job)
        .catch(() => undefined)
        .finally(() => {
          this.#active--;
          if (this.#active === 0) {
            for (const resolve of this.#idle) resolve();
            this.#idle.clear();
          }
          this.#pump();
        });
    }
  }
}
