/**
 * Turns at a single connection, granted in the order they were asked for: `release` hands the
 * connection straight to the next in line.
 *
 * Kysely's own mutex for single-connection dialects has every waiter await one shared promise; each
 * release wakes them all, one wins and the rest wait again. With hundreds of queries queued behind a
 * group commit (run contexts, triggers, the console) that is work and garbage quadratic in the queue,
 * and under the soak with the built-in playbooks it was about a tenth of what the main thread
 * allocated (docs/benchmarks.md, nineteenth session).
 */
export class ConnectionTurns {
  #held = false;
  #line: ((value: void) => void)[] = [];
  #next = 0;

  /** Nothing when the connection was free (it is now the caller's); else a promise of the turn. */
  take(): Promise<void> | undefined {
    if (!this.#held) {
      this.#held = true;
      return undefined;
    }
    return new Promise((resolve) => this.#line.push(resolve));
  }

  /** Ends the caller's turn: the next in line has the connection, or it is free. */
  release(): void {
    if (!this.#held) throw new Error('released a connection turn nobody held');
    const next = this.#line[this.#next];
    if (next === undefined) {
      this.#held = false;
      if (this.#line.length > 0) {
        this.#line = [];
        this.#next = 0;
      }
      return;
    }
    this.#next++;
    // A long line is compacted now and then, not shifted per turn.
    if (this.#next >= 1024 && this.#next * 2 >= this.#line.length) {
      this.#line = this.#line.slice(this.#next);
      this.#next = 0;
    }
    next();
  }

  /** Turns waiting (not counting the one held). */
  get waiting(): number {
    return this.#line.length - this.#next;
  }
}
