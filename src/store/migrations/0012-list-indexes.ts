import type { Kysely } from 'kysely';

/**
 * Indexes for the audit log's filters that had none, so a rare value no longer walks the whole log
 * newest first to fill a page (`riposte bench console`, docs/benchmarks.md): the actor type alone
 * (`cli` is a handful of rows among millions), and a target id given without its type.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('audit_actor_type').on('audit_log').columns(['actor_type', 'seq']).execute();
  await db.schema.createIndex('audit_target_id').on('audit_log').columns(['target_id', 'seq']).execute();
}
