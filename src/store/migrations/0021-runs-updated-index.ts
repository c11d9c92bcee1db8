import type { Kysely } from 'kysely';

/**
 * Runs by the time they last changed: the live change poller reads the runs that changed in the
 * last few seconds. Without it, it read every open run to find them — on SQLite, a walk to the end
 * of each row's state (`updated_at` comes after it), 34 ms a look with 20,000 runs open
 * (docs/benchmarks.md, nineteenth session).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('runs_updated').on('runs').columns(['updated_at']).execute();
}
