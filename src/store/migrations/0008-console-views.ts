import { sql, type Kysely } from 'kysely';

/**
 * For the console: saved views of the alert and case lists; indexes for the alert queue's rule filter
 * and the dashboard's time windows; and the `updated_at` / `completed_at` / `undone_at` indexes the
 * live-update poller reads to notice what other processes changed. Runs get none: a run's row is
 * rewritten on every transition, the engine's hot path, and the poller finds them another way.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('saved_views')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('page', 'text', (c) => c.notNull())
    .addColumn('query', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('shared', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('saved_views_owner')
    .on('saved_views')
    .columns(['owner', 'page', 'name'])
    .unique()
    .execute();
  await db.schema.createIndex('saved_views_shared').on('saved_views').columns(['page', 'shared']).execute();

  // The rule filter matches an alert's rule id, or its rule name when it has no id: one expression,
  // written the same way in the query so both SQLite and PostgreSQL use the index.
  await sql`CREATE INDEX alerts_rule ON alerts ((coalesce(rule_id, rule_name)), id)`.execute(db);
  await db.schema.createIndex('cases_closed_at').on('cases').columns(['closed_at']).execute();
  await db.schema.createIndex('cases_updated_at').on('cases').columns(['updated_at']).execute();
  await db.schema.createIndex('tasks_completed_at').on('tasks').columns(['completed_at']).execute();
  await db.schema.createIndex('action_ledger_undone_at').on('action_ledger').columns(['undone_at']).execute();
}
