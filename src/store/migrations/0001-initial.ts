import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/** The foundation schema: sources, alerts, cases, users and tokens, assets, the audit log. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('sources')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('token_enc', 'text', (c) => c.notNull())
    .addColumn('require_signature', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('source_ref', 'text')
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('severity_id', 'integer', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text')
    .addColumn('rule_name', 'text')
    .addColumn('event_time', 'text', (c) => c.notNull())
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('case_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('observables', 'text', (c) => c.notNull())
    .addColumn('mitre', 'text', (c) => c.notNull())
    .addColumn('raw', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('alerts_fingerprint')
    .on('alerts')
    .columns(['fingerprint', 'last_seen'])
    .execute();
  await db.schema.createIndex('alerts_case').on('alerts').columns(['case_id', 'id']).execute();
  await db.schema.createIndex('alerts_source').on('alerts').columns(['source', 'id']).execute();
  await db.schema.createIndex('alerts_severity').on('alerts').columns(['severity_id', 'id']).execute();
  await db.schema.createIndex('alerts_status').on('alerts').columns(['status', 'id']).execute();

  await db.schema
    .createTable('cases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('severity_id', 'integer', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('priority_factors', 'text', (c) => c.notNull())
    .addColumn('assignee', 'text')
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('resolution', 'text')
    .addColumn('resolution_note', 'text')
    .addColumn('alert_count', 'integer', (c) => c.notNull())
    .addColumn('rule_key', 'text')
    .addColumn('host', 'text')
    .addColumn('asset_type', 'text')
    .addColumn('asset_value', 'text')
    .addColumn('asset_criticality', 'text')
    .addColumn('search_values', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .addColumn('last_alert_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('cases_status').on('cases').columns(['status', 'id']).execute();
  await db.schema.createIndex('cases_assignee').on('cases').columns(['assignee', 'id']).execute();
  await db.schema.createIndex('cases_severity').on('cases').columns(['severity_id', 'id']).execute();
  await db.schema
    .createIndex('cases_rule_host')
    .on('cases')
    .columns(['rule_key', 'status', 'host'])
    .execute();

  await db.schema
    .createTable('case_tags')
    .addColumn('case_id', 'text', (c) => c.notNull())
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('case_tags_pk', ['case_id', 'tag'])
    .execute();
  await db.schema.createIndex('case_tags_tag').on('case_tags').columns(['tag', 'case_id']).execute();

  await db.schema
    .createTable('case_observables')
    .addColumn('case_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('role', 'text')
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('case_observables_pk', ['case_id', 'type', 'value'])
    .execute();
  await db.schema
    .createIndex('case_observables_value')
    .on('case_observables')
    .columns(['type', 'value', 'last_seen'])
    .execute();

  await db.schema
    .createTable('case_comments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('mentions', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('case_comments_case').on('case_comments').columns(['case_id', 'id']).execute();

  await db.schema
    .createTable('assets')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('criticality', 'text', (c) => c.notNull())
    .addColumn('owner', 'text')
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('assets_pk', ['type', 'value'])
    .execute();

  await db.schema
    .createTable('rule_stats')
    .addColumn('rule_key', 'text', (c) => c.primaryKey())
    .addColumn('true_positive', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('false_positive', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('benign_positive', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('duplicate', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('last_used_at', 'text')
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('audit_target')
    .on('audit_log')
    .columns(['target_type', 'target_id', 'seq'])
    .execute();

  // A case's search document is a few rows: one written with the case, one more per batch of newly
  // seen observables, so growing a document never rewrites (or re-indexes) what is already there.
  await db.schema
    .createTable('case_search')
    .addColumn('case_id', 'text', (c) => c.notNull())
    .addColumn('part', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('case_search_pk', ['case_id', 'part'])
    .execute();
  if (dialect === 'sqlite') {
    // An external-content FTS5 index over case_search, kept in step by triggers, so a case's document
    // is replaced through its primary key instead of a scan of the index.
    await sql`CREATE VIRTUAL TABLE case_search_fts USING fts5(body, content='case_search', content_rowid='rowid', tokenize='unicode61')`.execute(
      db,
    );
    await sql`CREATE TRIGGER case_search_ai AFTER INSERT ON case_search BEGIN
      INSERT INTO case_search_fts(rowid, body) VALUES (new.rowid, new.body); END`.execute(db);
    await sql`CREATE TRIGGER case_search_ad AFTER DELETE ON case_search BEGIN
      INSERT INTO case_search_fts(case_search_fts, rowid, body) VALUES ('delete', old.rowid, old.body); END`.execute(
      db,
    );
    await sql`CREATE TRIGGER case_search_au AFTER UPDATE ON case_search BEGIN
      INSERT INTO case_search_fts(case_search_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
      INSERT INTO case_search_fts(rowid, body) VALUES (new.rowid, new.body); END`.execute(db);
  } else {
    await sql`ALTER TABLE case_search ADD COLUMN doc tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED`.execute(
      db,
    );
    await sql`CREATE INDEX case_search_doc ON case_search USING gin (doc)`.execute(db);
  }
}
