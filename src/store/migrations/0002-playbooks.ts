import type { Kysely } from 'kysely';

/** Playbooks and their versions, runs (one row per run, its engine state as JSON), tasks and approvals, secrets, schedules. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('playbooks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('run_order', 'integer', (c) => c.notNull())
    .addColumn('current_version', 'integer', (c) => c.notNull())
    .addColumn('triggers', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .execute();

  await db.schema
    .createTable('playbook_versions')
    .addColumn('playbook_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('source_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('playbook_versions_pk', ['playbook_id', 'version'])
    .execute();

  await db.schema
    .createTable('runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('playbook_id', 'text', (c) => c.notNull())
    .addColumn('playbook_version', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('alert_id', 'text')
    .addColumn('case_id', 'text')
    .addColumn('parent_run_id', 'text')
    .addColumn('parent_step_key', 'text')
    .addColumn('started_by', 'text', (c) => c.notNull())
    .addColumn('dry_run', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('wake_at', 'text')
    .addColumn('error_kind', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('runs_status').on('runs').columns(['status', 'id']).execute();
  await db.schema.createIndex('runs_alert').on('runs').columns(['alert_id', 'id']).execute();
  await db.schema.createIndex('runs_case').on('runs').columns(['case_id', 'id']).execute();
  await db.schema.createIndex('runs_playbook').on('runs').columns(['playbook_id', 'id']).execute();
  await db.schema.createIndex('runs_parent').on('runs').columns(['parent_run_id']).execute();
  await db.schema.createIndex('runs_wake').on('runs').columns(['wake_at']).execute();

  await db.schema
    .createTable('tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('step_key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('assignee_role', 'text')
    .addColumn('assignee_user', 'text')
    .addColumn('playbook_id', 'text', (c) => c.notNull())
    .addColumn('run_started_by', 'text', (c) => c.notNull())
    .addColumn('alert_id', 'text')
    .addColumn('case_id', 'text')
    .addColumn('decisions', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text')
    .addColumn('output', 'text')
    .addColumn('escalated', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('remind_at', 'text')
    .addColumn('completed_at', 'text')
    .execute();
  await db.schema.createIndex('tasks_status').on('tasks').columns(['status', 'id']).execute();
  await db.schema.createIndex('tasks_run').on('tasks').columns(['run_id', 'step_key']).execute();
  await db.schema.createIndex('tasks_expiry').on('tasks').columns(['status', 'expires_at']).execute();
  await db.schema.createIndex('tasks_remind').on('tasks').columns(['status', 'remind_at']).execute();

  await db.schema
    .createTable('secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value_enc', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('playbook_schedules')
    .addColumn('playbook_id', 'text', (c) => c.notNull())
    .addColumn('expression', 'text', (c) => c.notNull())
    .addColumn('next_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('playbook_schedules_pk', ['playbook_id', 'expression'])
    .execute();
}
