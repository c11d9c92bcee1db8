import type { Kysely } from 'kysely';

/**
 * Actions a process that runs no playbook worker (`riposte serve --role api`) leads a run to, for a
 * worker to carry out (src/runs/run-engine.ts, run-worker.ts). A decision, a cancel or a manual start
 * in the API process moves the run on in its own transaction and writes a row per action it hands
 * out, in that transaction; a worker claims the rows and runs the actions. Only the attempt's
 * identity is kept: the worker takes the inputs (and secrets) from the run's state.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('run_handoffs')
    .addColumn('idempotency_key', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('step_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
