import type { Kysely } from 'kysely';

/** OpenAPI descriptions imported as integrations, kept as given (JSON or YAML text) and rebuilt at start-up. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('openapi_specs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
}
