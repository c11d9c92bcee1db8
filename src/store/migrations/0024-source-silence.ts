import type { Kysely } from 'kysely';

/**
 * A source can be expected to send within a time (`expectWithinSeconds`); one that stays quiet longer
 * is reported silent, once, and resumed when it sends again (src/sources/source-watch.ts). The row
 * keeps when the source last sent anything accepted (written at most every few seconds), since when
 * it is watched, and since when it has been silent.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sources').addColumn('expect_within_seconds', 'integer').execute();
  await db.schema.alterTable('sources').addColumn('watched_since', 'text').execute();
  await db.schema.alterTable('sources').addColumn('last_received_at', 'text').execute();
  await db.schema.alterTable('sources').addColumn('silent_since', 'text').execute();
}
