import { sql, type Kysely } from 'kysely';
import type { Dialect } from './database.ts';
import type { DatabaseSchema } from './schema.ts';

/** Past this much, a process's clock is far enough off the database's to say so at start-up. */
export const CLOCK_SKEW_WARNING_MS = 1_000;

/**
 * The database's clock, read through this process's: an offset measured by asking the database the
 * time and taking the middle of the round trip. Processes on several hosts share one PostgreSQL, and
 * their own clocks may disagree; what they decide together (who holds the action lease, when it
 * lapses) is decided in the database's time, which is one for all of them. On SQLite every process
 * is on the database's host, and the offset is the round trip's noise.
 */
export class DatabaseClock {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #query: ReturnType<typeof sql<{ ms: number | string }>>;
  readonly #local: () => number;
  #offsetMs = 0;

  /** `local` stands for this process's clock (tests skew it). */
  constructor(db: Kysely<DatabaseSchema>, dialect: Dialect, local: () => number = Date.now) {
    this.#db = db;
    this.#local = local;
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
