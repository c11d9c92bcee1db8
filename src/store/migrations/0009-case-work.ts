import { sql, type Kysely } from 'kysely';

/**
 * The cases work queue: when a case was acknowledged (first assigned or closed), for its SLA; and
 * indexes so the queue's filters — assignee (a person, or none), status — and its priority order
 * read an index instead of sorting the table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cases').addColumn('acknowledged_at', 'text').execute();
  // Cases assigned or closed before this column existed count as acknowledged at their last change.
  await sql`UPDATE cases SET acknowledged_at = updated_at WHERE assignee IS NOT NULL OR status = 'closed'`.execute(
    db,
  );
  await db.schema.createIndex('cases_priority').on('cases').columns(['priority', 'id']).execute();
  await db.schema
    .createIndex('cases_status_priority')
    .on('cases')
    .columns(['status', 'priority', 'id'])
    .execute();
  await db.schema
    .createIndex('cases_assignee_status')
    .on('cases')
    .columns(['assignee', 'status', 'id'])
    .execute();
  await db.schema
    .createIndex('cases_assignee_status_priority')
    .on('cases')
    .columns(['assignee', 'status', 'priority', 'id'])
    .execute();
}
