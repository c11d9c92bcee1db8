import type { Kysely } from 'kysely';

/**
 * For the console's integration health and audit-log filters: each instance's last action outcome, and
 * indexes that let the audit log be filtered by actor, action or time, newest first, at any depth.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('integration_instances').addColumn('last_action', 'text').execute();
  await db.schema.alterTable('integration_instances').addColumn('last_action_at', 'text').execute();
  await db.schema.alterTable('integration_instances').addColumn('last_action_ok', 'integer').execute();
  await db.schema.alterTable('integration_instances').addColumn('last_action_error', 'text').execute();
  await db.schema.createIndex('audit_actor').on('audit_log').columns(['actor', 'seq']).execute();
  await db.schema.createIndex('audit_action').on('audit_log').columns(['action', 'seq']).execute();
  await db.schema.createIndex('audit_at').on('audit_log').columns(['at']).execute();
}
