import type { Kysely } from 'kysely';

/** Integration instances and their sealed credentials, the enrichment cache, findings per observable, named keys. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('integration_instances')
    .addColumn('integration', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('secrets_enc', 'text', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('last_test_at', 'text')
    .addColumn('last_test_ok', 'integer')
    .addColumn('last_test_error', 'text')
    .addPrimaryKeyConstraint('integration_instances_pk', ['integration', 'name'])
    .execute();

  await db.schema
    .createTable('enrichment_cache')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('output', 'text', (c) => c.notNull())
    .addColumn('fetched_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('enrichment_cache_expiry')
    .on('enrichment_cache')
    .columns(['expires_at'])
    .execute();

  await db.schema
    .createTable('observable_findings')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('score', 'integer')
    .addColumn('summary', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('observable_findings_pk', ['type', 'value', 'provider'])
    .execute();

  // Keys Riposte keeps for its own use (the audit chain's), sealed under the master key so that
  // rotating the master key re-seals them instead of changing them.
  await db.schema
    .createTable('keyring')
    .addColumn('purpose', 'text', (c) => c.primaryKey())
    .addColumn('key_enc', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
