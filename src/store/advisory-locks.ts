import { sql, type QueryExecutorProvider } from 'kysely';
import type { Dialect } from './database.ts';

/**
 * PostgreSQL advisory locks: where writers in several processes (or pooled connections) must take
 * turns, a transaction takes one of these first and holds it to its commit. SQLite needs none: every
 * transaction begins IMMEDIATE, so one writes at a time (src/store/database.ts).
 *
 * A transaction that takes more than one takes them in this order, so no two wait on each other:
 * migrations; grouping (which ingest takes before dedup's lookup), then audit; admission; an
 * integration's instances, then audit. The values are fixed: every process of a deployment must agree.
 */
export const ADVISORY_LOCKS = {
  /** Migrations: even CREATE TABLE IF NOT EXISTS races. */
  migrations: 7312001,
  /** The audit chain: one writer at a time extends it. */
  audit: 7312002,
  /** Grouping alerts into cases, and what must not interleave with it (dedup, closing a case, asset imports). */
  grouping: 7312003,
  /** Admission of side-effecting attempts under the blast-radius limits and cool-downs. */
  admission: 7312005,
  /** Changes to one integration's instances (keyed by the integration: the two-key form). */
  instances: 7312006,
} as const;

/**
 * Takes the lock for the rest of the transaction, in a statement of its own: a statement that follows
 * starts its snapshot after the lock is held, so it sees what the last holder committed. `key`
 * narrows it to one thing (an integration's id), in the two-key lock space.
 */
export async function takeTurn(
  trx: QueryExecutorProvider,
  dialect: Dialect,
  lock: (typeof ADVISORY_LOCKS)[keyof typeof ADVISORY_LOCKS],
  key?: string,
): Promise<void> {
  if (dialect !== 'postgres') return;
  if (key === undefined) await sql`SELECT pg_advisory_xact_lock(${sql.lit(lock)})`.execute(trx);
  else await sql`SELECT pg_advisory_xact_lock(${sql.lit(lock)}, hashtext(${key}))`.execute(trx);
}
