import { Worker } from 'node:worker_threads';

/** What the checkpoint thread answers after each checkpoint (from `PRAGMA wal_checkpoint`'s answer). */
export type CheckpointReply =
  { ok: true; walFrames: number; checkpointedFrames: number } | { ok: false; message: string };

export interface CheckpointStats {
  /** Checkpoints the thread finished. */
  checkpoints: number;
  /** Frames in the WAL and frames copied into the database file, after the last checkpoint. */
  walFrames: number;
  checkpointedFrames: number;
  failures: number;
  lastError?: string;
}

/**
 * SQLite copies the WAL back into the database file (a checkpoint) in the connection that commits,
 * once the WAL passes `wal_autocheckpoint` pages: page reads, page writes and an fsync of the database
 * file on the thread that serves HTTP. Here a thread with its own connection runs passive checkpoints
 * after commits, on another core; the main connection keeps a far higher automatic threshold as a
 * backstop, so the WAL stays bounded even if this thread falls behind or fails. A passive checkpoint
 * never blocks a writer and changes nothing about durability: commits are still synced to the WAL.
 * If the thread fails, it stops and the main connection checkpoints as SQLite does by default.
 */
export class WalCheckpointer {
  readonly #file: string;
  readonly #onGiveUp: () => void;
  readonly #intervalMs: number;
  #worker: Worker | undefined;
  #timer: NodeJS.Timeout | undefined;
  /**
   * As if one had just started: the first checkpoint waits an interval too, so a short-lived process
   * (a CLI command's one commit) closes before it and never starts the thread — closing the last
   * connection checkpoints anyway. It saved about 120 ms per CLI write.
   */
  #lastStart = performance.now();
  /** A checkpoint is running, or waiting for its turn. */
  #running = false;
  #again = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #idle: (() => void)[] = [];
  readonly stats: CheckpointStats = { checkpoints: 0, walFrames: 0, checkpointedFrames: 0, failures: 0 };

  /**
   * `onGiveUp` runs once, at the first failure: the committing connection takes checkpoints back.
   * Checkpoints start at most once per `intervalMs`: each ends with an fsync of the database file,
   * and a stream of small commits (single-alert posts) would otherwise keep a core busy with them.
   */
  constructor(file: string, onGiveUp: () => void, intervalMs = 100) {
    this.#file = file;
    this.#onGiveUp = onGiveUp;
    this.#intervalMs = intervalMs;
  }

  /** Called after a commit: a checkpoint starts (or is due), or one more follows the one running. */
  committed(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    const wait = this.#lastStart + this.#intervalMs - performance.now();
    if (wait <= 0) return this.#run();
    this.#timer = setTimeout(() => this.#run(), wait);
    // A checkpoint skipped at exit is no loss: SQLite checkpoints when the last connection closes.
    this.#timer.unref();
  }

  /** Resolves when no checkpoint is running or asked for (tests). */
  idle(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#worker) this.#settle();
    this.#closing ??= this.#worker ? this.#stop(this.#worker) : Promise.resolve();
    return this.#closing;
  }

  #run(): void {
    this.#timer = undefined;
    if (this.#closed) return this.#settle();
    this.#again = false;
    this.#lastStart = performance.now();
    const worker = (this.#worker ??= this.#start());
    worker.ref();
    worker.postMessage('checkpoint');
  }

  #start(): Worker {
    const worker = new Worker(new URL('./wal-checkpoint-worker.ts', import.meta.url), {
      workerData: { file: this.#file },
    });
    worker.unref();
    worker.on('message', (reply: CheckpointReply) => this.#finished(reply));
    worker.on('error', (error) => this.#failed(error.message));
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = undefined;
      if (!this.#closed) this.#failed(`the checkpoint thread exited (code ${code})`);
    });
    return worker;
  }

  #finished(reply: CheckpointReply): void {
    if (reply.ok) {
      this.stats.checkpoints++;
      this.stats.walFrames = reply.walFrames;
      this.stats.checkpointedFrames = reply.checkpointedFrames;
    } else {
      this.#failed(reply.message);
      return;
    }
    if (this.#again && !this.#closed) {
      // Commits came in while it ran: one more, in its turn (idle() waits for that one too).
      this.#running = false;
      this.#worker?.unref();
      this.committed();
      return;
    }
    this.#settle();
  }

  /** A checkpoint that fails is not retried here: the thread stops and the main connection checkpoints. */
  #failed(message: string): void {
    if (this.#closed) return this.#settle();
    this.stats.failures++;
    this.stats.lastError = message;
    process.stderr.write(
      `${JSON.stringify({ level: 40, time: Date.now(), msg: 'SQLite checkpoint thread failed; the committing connection checkpoints from now on', err: message })}\n`,
    );
    this.#onGiveUp();
    void this.close();
    this.#settle();
  }

  #settle(): void {
    this.#running = false;
    this.#again = false;
    // Closing, the thread must keep the process alive until it has closed its connection and exited.
    if (!this.#closed) this.#worker?.unref();
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  async #stop(worker: Worker): Promise<void> {
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage('close');
    await exited;
    this.#settle();
  }
}
