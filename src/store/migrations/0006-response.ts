import type { Kysely } from 'kysely';

/** Response guardrails: the action ledger, policies, protected entities, blast-radius limits, settings. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('action_ledger')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('step_key', 'text', (c) => c.notNull())
    .addColumn('playbook_id', 'text', (c) => c.notNull())
    .addColumn('case_id', 'text')
    .addColumn('alert_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('effect', 'text', (c) => c.notNull())
    .addColumn('react', 'text')
    .addColumn('target_type', 'text')
    .addColumn('target_value', 'text')
    .addColumn('input', 'text', (c) => c.notNull())
    .addColumn('output', 'text', (c) => c.notNull())
    .addColumn('inverse_action', 'text')
    .addColumn('inverse_input', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('undone_at', 'text')
    .addColumn('undone_by', 'text')
    .addColumn('undo_error', 'text')
    .execute();
  await db.schema
    .createIndex('action_ledger_case')
    .on('action_ledger')
    .columns(['case_id', 'applied_at'])
    .execute();
  await db.schema.createIndex('action_ledger_run').on('action_ledger').columns(['run_id']).execute();
  await db.schema
    .createIndex('action_ledger_action')
    .on('action_ledger')
    .columns(['action', 'applied_at'])
    .execute();
  await db.schema
    .createIndex('action_ledger_target')
    .on('action_ledger')
    .columns(['target_type', 'target_value', 'applied_at'])
    .execute();
  await db.schema
    .createIndex('action_ledger_expiry')
    .on('action_ledger')
    .columns(['status', 'expires_at'])
    .execute();

  await db.schema
    .createTable('response_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('policy_gates')
    .addColumn('idempotency_key', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('step_key', 'text', (c) => c.notNull())
    .addColumn('task_id', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('policy_gates_run').on('policy_gates').columns(['run_id']).execute();
}
