import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Files attached to a case as evidence (a screenshot, a packet capture, the reported e-mail): kept in
 * the database beside the case, so a backup, a PostgreSQL replica and every API process have them.
 * Listed by case, newest first.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('case_attachments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('content', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('uploaded_by', 'text', (c) => c.notNull())
    .addColumn('uploaded_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('case_attachments_case')
    .on('case_attachments')
    .columns(['case_id', 'uploaded_at'])
    .execute();
}
