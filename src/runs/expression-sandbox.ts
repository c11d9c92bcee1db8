import { Worker } from 'node:worker_threads';
import type { ExpressionGuard, GuardedResult } from '../playbooks/expression-guard.ts';

const RESULT_BYTES = 4 * 1024 * 1024;
const STARTUP_MS = 15_000;

/**
 * Evaluates long-running-capable expressions on a worker thread and waits for the answer
 * synchronously (expressions are synchronous for the engine) with a time limit. An expression that
 * passes the limit is stopped by terminating the thread; the next one starts a fresh thread.
 */
export class WorkerExpressionGuard implements ExpressionGuard {
  readonly #timeoutMs: number;
  readonly #signal = new SharedArrayBuffer(12);
  readonly #data = new SharedArrayBuffer(RESULT_BYTES);
  readonly #state = new Int32Array(this.#signal);
  readonly #decoder = new TextDecoder();
  #worker: Worker | null = null;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  evaluate(source: string, roots: readonly string[], context: Record<string, unknown>): GuardedResult {
    const worker = this.#ready();
    if (!worker) return { ok: false, reason: 'evaluation', detail: 'the expression sandbox did not start' };
    Atomics.store(this.#state, 0, 0);
    worker.postMessage({ source, roots: [...roots], context });
    if (Atomics.wait(this.#state, 0, 0, this.#timeoutMs) === 'timed-out') {
      void worker.terminate();
      this.#worker = null;
      return {
        ok: false,
        reason: 'bounds',
        detail: `the expression ran longer than ${this.#timeoutMs} ms and was stopped`,
      };
    }
    const length = Atomics.load(this.#state, 2);
    // Copy out of shared memory: TextDecoder does not read SharedArrayBuffer views.
    const text = this.#decoder.decode(new Uint8Array(this.#data, 0, length).slice());
    return JSON.parse(text) as GuardedResult;
  }

  close(): Promise<number> | undefined {
    const worker = this.#worker;
    this.#worker = null;
    return worker?.terminate();
  }

  #ready(): Worker | null {
    if (this.#worker) return this.#worker;
    Atomics.store(this.#state, 1, 0);
    const worker = new Worker(new URL('./expression-worker.ts', import.meta.url), {
      workerData: { signal: this.#signal, data: this.#data },
    });
    worker.unref();
    worker.on('error', () => {
      if (this.#worker === worker) this.#worker = null;
    });
    if (Atomics.wait(this.#state, 1, 0, STARTUP_MS) === 'timed-out') {
      void worker.terminate();
      return null;
    }
    this.#worker = worker;
    return worker;
  }
}
