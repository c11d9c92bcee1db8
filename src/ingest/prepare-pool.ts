import { Worker } from 'node:worker_threads';
import type { ErrorCode } from '../core/error-catalogue.ts';
import { RiposteError } from '../core/riposte-error.ts';
import type { IngestBody, PreparedBody, SourceRef } from './prepare-body.ts';

export interface PrepareRequest {
  id: number;
  source: SourceRef;
  /** Bytes are decoded on the thread: for a large body that is milliseconds the main thread keeps. */
  body: IngestBody;
  contentType: string;
  receivedAt: string;
}

export type PrepareReply =
  /** Sent once, when the thread has loaded its modules and takes bodies. */
  | { ready: true }
  | { id: number; ok: true; prepared: PreparedBody }
  | {
      id: number;
      ok: false;
      error: { code?: ErrorCode; message: string; path?: string; extra?: Record<string, unknown> };
    };

interface Thread {
  worker: Worker;
  /** Bodies sent and not answered yet, with their length (bytes or characters). */
  pending: Map<number, { resolve: (p: PreparedBody) => void; reject: (e: unknown) => void; size: number }>;
  /** The sum of `pending`'s sizes, kept as they come and go (asked for per request). */
  backlog: number;
  ready: boolean;
  /** Settles with the thread's ready message, or with its failure before that. */
  started: Promise<void>;
}

/**
 * Ingest threads: splitting, normalizing and fingerprinting a large body is pure CPU work, and on the
 * thread that serves HTTP and runs SQLite it competes with the commits. The pool hands large bodies
 * to worker threads (started on first use; a body goes to the least busy), so that work runs on the
 * other cores while the main thread writes the previous batch.
 */
export class PreparePool {
  readonly #size: number;
  readonly #threads: Thread[] = [];
  #nextId = 1;
  #warmedAt = -Infinity;
  #closed = false;

  constructor(size: number) {
    this.#size = size;
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Characters a body sent now would wait behind: the least busy ready thread's unanswered bodies,
   * or Infinity while no thread is ready (starting one takes tens of milliseconds: a small body
   * is better prepared where it is, see `warm`).
   */
  backlog(): number {
    let least = Infinity;
    for (const t of this.#threads) {
      if (!t.ready) continue;
      if (t.backlog < least) least = t.backlog;
    }
    return least;
  }

  /**
   * Starts a thread if there is none, without waiting for it, so that later bodies find one ready.
   * At most once a second: if threads keep failing to start, small bodies stay here without
   * starting one each.
   */
  warm(): void {
    if (this.#closed || this.#threads.length > 0) return;
    const now = performance.now();
    if (now - this.#warmedAt < 1000) return;
    this.#warmedAt = now;
    this.#start();
  }

  /** Resolves once a thread is ready, starting one if there is none (tests). */
  async ready(): Promise<void> {
    await (this.#threads.find((t) => t.ready) ?? this.#threads[0] ?? this.#start()).started;
  }

  prepare(
    source: SourceRef,
    body: IngestBody,
    contentType: string,
    receivedAt: string,
  ): Promise<PreparedBody> {
    if (this.#closed) return Promise.reject(new Error('the ingest threads are closed'));
    const thread = this.#leastBusy();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (thread.pending.size === 0) thread.worker.ref();
      thread.pending.set(id, { resolve, reject, size: body.length });
      thread.backlog += body.length;
      const request: PrepareRequest = {
        id,
        source: { name: source.name, format: source.format, options: source.options },
        body: ownBytes(body),
        contentType,
        receivedAt,
      };
      thread.worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const threads = this.#threads.splice(0);
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  #leastBusy(): Thread {
    let best: Thread | undefined;
    for (const thread of this.#threads) if (!best || thread.pending.size < best.pending.size) best = thread;
    if (best && (best.pending.size === 0 || this.#threads.length >= this.#size)) return best;
    return this.#start();
  }

  #start(): Thread {
    const worker = new Worker(new URL('./prepare-worker.ts', import.meta.url));
    // An idle thread does not keep the process alive; one with work does (see prepare()).
    worker.unref();
    const started = Promise.withResolvers<void>();
    // Nobody need be waiting for it: a failure reaches the bodies sent through `fail` below.
    started.promise.catch(() => undefined);
    const thread: Thread = { worker, pending: new Map(), backlog: 0, ready: false, started: started.promise };
    worker.on('message', (reply: PrepareReply) => {
      if ('ready' in reply) {
        thread.ready = true;
        started.resolve();
        return;
      }
      const waiting = thread.pending.get(reply.id);
      if (!waiting) return;
      thread.pending.delete(reply.id);
      thread.backlog -= waiting.size;
      if (thread.pending.size === 0) worker.unref();
      if (reply.ok) waiting.resolve(reply.prepared);
      else if (reply.error.code)
        waiting.reject(
          new RiposteError(reply.error.code, reply.error.message, {
            ...(reply.error.path === undefined ? {} : { path: reply.error.path }),
            ...(reply.error.extra === undefined ? {} : { extra: reply.error.extra }),
          }),
        );
      else waiting.reject(new Error(reply.error.message));
    });
    const fail = (error: Error): void => {
      const index = this.#threads.indexOf(thread);
      if (index >= 0) this.#threads.splice(index, 1);
      started.reject(error);
      for (const waiting of thread.pending.values()) waiting.reject(error);
      thread.pending.clear();
      thread.backlog = 0;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`an ingest thread exited (code ${code})`)));
    this.#threads.push(thread);
    return thread;
  }
}

/**
 * What is sent to a thread: a copy of the body's bytes when they are a view into a larger buffer (a
 * small body can sit in Node's shared pool, and posting the view would copy all of it). The caller
 * keeps its own bytes, to prepare the body itself if the thread fails.
 */
function ownBytes(body: IngestBody): IngestBody {
  if (typeof body === 'string' || (body.byteOffset === 0 && body.byteLength === body.buffer.byteLength))
    return body;
  return new Uint8Array(body);
}
