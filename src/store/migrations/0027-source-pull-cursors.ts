import type { Kysely } from 'kysely';

/**
 * Sources that pull alerts from a vendor's API (`options.pull`, src/pull/): one row per source with
 * the position the next page starts at (written only after a page's alerts are committed), when it
 * is due next, the claim of the process polling it (so of several processes one polls at a time), and
 * how its polls have gone.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('source_pull_cursors')
    .addColumn('source', 'text', (c) => c.primaryKey())
    .addColumn('integration', 'text', (c) => c.notNull())
    .addColumn('instance', 'text', (c) => c.notNull())
    .addColumn('cursor', 'text')
    .addColumn('next_poll_at', 'text', (c) => c.notNull())
    .addColumn('claim', 'text')
    .addColumn('last_poll_at', 'text')
    .addColumn('last_success_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', 'text')
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('records', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('stored', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('duplicates', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('rejected', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('source_pull_cursors_due')
    .on('source_pull_cursors')
    .column('next_poll_at')
    .execute();
}
