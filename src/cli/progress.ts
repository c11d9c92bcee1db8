import type { Io } from './cli-context.ts';

/** A progress bar on stderr: redrawn in place on a terminal, a line every 10 % otherwise. */
export class Progress {
  readonly #io: Io;
  readonly #total: number;
  readonly #started = Date.now();
  #done = 0;
  #lastDecile = -1;

  constructor(io: Io, totalBytes: number) {
    this.#io = io;
    this.#total = Math.max(1, totalBytes);
  }

  advance(bytes: number, records: number): void {
    this.#done = Math.min(this.#total, this.#done + bytes);
    const fraction = this.#done / this.#total;
    const seconds = Math.max(0.001, (Date.now() - this.#started) / 1000);
    const rate = Math.round(records / seconds);
    if (this.#io.isTTY) {
      const width = 30;
      const filled = Math.round(fraction * width);
      this.#io.stderr(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${records} records  ${rate}/s`,
      );
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile !== this.#lastDecile) {
      this.#lastDecile = decile;
      this.#io.stderr(`${decile * 10}%  ${records} records  ${rate}/s\n`);
    }
  }

  done(): void {
    if (this.#io.isTTY) this.#io.stderr('\n');
  }
}
