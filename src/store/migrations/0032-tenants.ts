import type { Kysely } from 'kysely';

/**
 * The tenants this installation serves (src/tenants/). Kept in the main database only: each tenant's
 * data lives in a database of its own, which this table does not point into (where it is follows
 * from the slug, src/tenants/tenant-config.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tenants')
    .addColumn('slug', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    /** `provisioning` until its database exists and is migrated, then `active` or `disabled`. */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
