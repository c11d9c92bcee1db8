import type { Kysely } from 'kysely';

/**
 * A source's token can be replaced (`POST /api/v1/sources/{name}/rotate-token`) with the old one
 * still accepted for a grace period, so its senders can be moved to the new one without losing
 * alerts: the old token's hash and sealed copy, and until when it holds.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sources').addColumn('previous_token_hash', 'text').execute();
  await db.schema.alterTable('sources').addColumn('previous_token_enc', 'text').execute();
  await db.schema.alterTable('sources').addColumn('previous_valid_until', 'text').execute();
  await db.schema.alterTable('sources').addColumn('token_rotated_at', 'text').execute();
}
