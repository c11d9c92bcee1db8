import type { Kysely } from 'kysely';

/**
 * A case merged into another (`POST /api/v1/cases/{id}/merge`) is closed as a duplicate and points at
 * the case that took its alerts; the index finds the cases merged into one for its detail.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cases').addColumn('merged_into', 'text').execute();
  await db.schema.createIndex('cases_merged_into').on('cases').columns(['merged_into']).execute();
}
