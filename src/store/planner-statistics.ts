import { sql, type Kysely } from 'kysely';
import type { Dialect } from './database.ts';
import type { DatabaseSchema } from './schema.ts';

/** The tables ingest grows and then looks rows up in by lists of keys, in every commit. */
export const INGEST_TABLES = ['alerts', 'case_observables', 'cases'] as const;

/** After this many alerts stored by the process, the ingest tables nothing has analyzed yet are. */
export const PRIME_AFTER_ALERTS = 1000;

/**
 * PostgreSQL plans each query from table statistics, which only ANALYZE (or autovacuum's, a minute or
 * more after enough rows changed) collects. Until then a table has none, and the planner guessed that
 * dedup's lookup of a few hundred fingerprints in its indexed prefix matched a fifth of `alerts`: it
 * read the whole table instead, once per commit, slower with every alert stored (24 ms for one
 * lookup of 400 among 46,000 alerts, against 3 ms through the index once analyzed; see
 * docs/benchmarks.md). PostgreSQL's advice after loading data is to run ANALYZE; this does it once,
 * after the first {@link PRIME_AFTER_ALERTS} alerts this process stores, for those of
 * {@link INGEST_TABLES} that nothing has analyzed yet. Statistics from the first thousand rows keep
 * serving as the tables grow (the planner scales them to the table's size), and autovacuum refreshes
 * them from then on. ANALYZE does not block inserts; it runs beside ingest, never in its transaction.
 * SQLite plans without statistics (an index is used when there is one), so there it does nothing.
 */
export class PlannerStatistics {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #onError: (error: unknown) => void;
  #stored = 0;
  #state: 'watching' | 'running' | 'done';
  #run: Promise<void> = Promise.resolve();

  constructor(db: Kysely<DatabaseSchema>, dialect: Dialect, onError: (error: unknown) => void) {
    this.#db = db;
    this.#onError = onError;
    this.#state = dialect === 'postgres' ? 'watching' : 'done';
  }

  /** Told how many alerts a commit stored. */
  stored(count: number): void {
    if (this.#state !== 'watching') return;
    this.#stored += count;
    if (this.#stored < PRIME_AFTER_ALERTS) return;
    this.#state = 'running';
    this.#run = this.#prime().then(
      () => {
        this.#state = 'done';
      },
      (error: unknown) => {
        // Nothing depends on it but the speed of lookups, and autovacuum will analyze in time.
        this.#state = 'done';
        this.#onError(error);
      },
    );
  }

  /** Resolves when an ANALYZE this started has finished (before the database is closed). */
  settled(): Promise<void> {
    return this.#run;
  }

  async #prime(): Promise<void> {
    const { rows } = await sql<{ relname: string }>`
      SELECT relname FROM pg_stat_user_tables
      WHERE relname IN (${sql.join(INGEST_TABLES.map((t) => sql.lit(t)))})
        AND schemaname = current_schema()
        AND last_analyze IS NULL AND last_autoanalyze IS NULL`.execute(this.#db);
    if (rows.length === 0) return;
    await sql`ANALYZE ${sql.join(rows.map((r) => sql.id(r.relname)))}`.execute(this.#db);
  }
}
