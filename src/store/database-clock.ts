import { sql, type Kysely } from 'kysely';
import { clockCorrectionMs, correctClock } from '../core/clock.ts';
import type { Dialect } from './database.ts';
import type { DatabaseSchema } from './schema.ts';

/** Past this much, a process's clock is far enough off the database's to say so at start-up. */
export const CLOCK_SKEW_WARNING_MS = 1_000;

/** How often a process's clock is measured against the database's again (clocks drift; NTP steps them). */
export const CLOCK_SYNC_EVERY_MS = 60_000;

/**
 * The database's clock, read through this process's: an offset measured by asking the database the
 * time and taking the middle of the round trip. Processes on several hosts share one PostgreSQL, and
 * their own clocks may disagree; what they decide together is decided in the database's time, which
 * is one for all of them. The process's clock (`correctsProcess`) applies each offset measured to the
 * time the whole process records and compares (src/core/clock.ts); the action lease reads this one
 * directly. On SQLite every process is on the database's host, and the offset is the round trip's noise.
 */
export class DatabaseClock {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #query: ReturnType<typeof sql<{ ms: number | string }>>;
  readonly #local: () => number;
  readonly #correctsProcess: boolean;
  #offsetMs = 0;
  /** How far off the reading that last set the process's correction could be (0: none set here). */
  #correctionUncertainMs = 0;

  /**
   * `local` stands for this process's clock (tests skew it); `correctsProcess` makes each offset
   * measured the process's correction (one clock per process does: the one `openRiposte` makes).
   */
  constructor(
    db: Kysely<DatabaseSchema>,
    dialect: Dialect,
    options: { local?: () => number; correctsProcess?: boolean } = {},
  ) {
    this.#db = db;
    this.#local = options.local ?? Date.now;
    this.#correctsProcess = options.correctsProcess ?? false;
    this.#query =
      dialect === 'postgres'
        ? sql<{ ms: string }>`SELECT extract(epoch FROM clock_timestamp()) * 1000 AS ms`
        : sql<{ ms: number }>`SELECT (julianday('now') - 2440587.5) * 86400000.0 AS ms`;
  }

  /** Asks the database the time; returns the new offset (database minus this process, ms). */
  async sync(): Promise<number> {
    const sent = this.#local();
    const { rows } = await this.#query.execute(this.#db);
    const received = this.#local();
    const at = Number(rows[0]?.ms);
    if (!Number.isFinite(at)) throw new Error(`the database answered the time as ${String(rows[0]?.ms)}`);
    this.#offsetMs = Math.round(at - (sent + received) / 2);
    // The process's correction moves only when the offset differs from it by more than this reading
    // and the one that set it can tell together (half of each round trip, and a millisecond of each
    // clock's resolution): on one host the offset is noise, and correcting by noise would jitter
    // every time recorded.
    const uncertainMs = (received - sent) / 2 + 2;
    if (this.#correctsProcess) {
      const apart = Math.abs(this.#offsetMs - clockCorrectionMs());
      if (apart > uncertainMs + this.#correctionUncertainMs) {
        correctClock(this.#offsetMs);
        this.#correctionUncertainMs = uncertainMs;
      } else if (this.#correctionUncertainMs > 0) {
        // An agreeing reading bounds the correction too: it is within `apart` of this one.
        this.#correctionUncertainMs = Math.min(this.#correctionUncertainMs, apart + uncertainMs);
      }
    }
    return this.#offsetMs;
  }

  /** The database's time now, in ms since the epoch, as of the last `sync`. */
  now(): number {
    return this.#local() + this.#offsetMs;
  }

  /** Database minus this process, in ms, as of the last `sync`. */
  get offsetMs(): number {
    return this.#offsetMs;
  }
}
