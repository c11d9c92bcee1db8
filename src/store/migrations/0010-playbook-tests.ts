import type { Kysely } from 'kysely';

/** Golden test files stored per playbook, edited and run from the console. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('playbook_tests')
    .addColumn('playbook_id', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
}
