import type { Kysely } from 'kysely';

/**
 * A case's comments in the order they were written, a page at a time. Their ids do not say it: a
 * playbook's comment has an id derived from its attempt's idempotency key (so a repeat adds it once),
 * not from the time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('case_comments_case_time')
    .on('case_comments')
    .columns(['case_id', 'created_at', 'id'])
    .execute();
}
