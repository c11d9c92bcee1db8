import type { Kysely } from 'kysely';

/** API token scopes (src/core/token-scope.ts): a JSON list, or null for a token limited by its role alone. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_tokens').addColumn('scopes', 'text').execute();
}
