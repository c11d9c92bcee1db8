import type { Kysely } from 'kysely';

/**
 * A tenant may be limited to a number of alerts a minute from all its sources together
 * (`alertLimitPerMinute`, src/ingest/source-alert-limit.ts). Only the main database has rows in
 * `tenants`; a tenant's own database gets the column and never uses it. Null: no limit.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tenants').addColumn('alert_limit_per_minute', 'integer').execute();
}
