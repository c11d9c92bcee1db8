import { sql, type Kysely } from 'kysely';

/** Threat-intelligence indicators, scheduled feeds, and what a case knows of its indicator matches. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('intel_indicators')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('confidence', 'integer', (c) => c.notNull())
    .addColumn('threat', 'text')
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .addColumn('valid_until', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .execute();
  // Unique per feed; its (type, value) prefix is the index the grouping stage's lookups use.
  await db.schema
    .createIndex('intel_indicators_key')
    .on('intel_indicators')
    .columns(['type', 'value', 'source'])
    .unique()
    .execute();
  await db.schema
    .createIndex('intel_indicators_source')
    .on('intel_indicators')
    .columns(['source', 'id'])
    .execute();

  await db.schema
    .createTable('intel_feeds')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('every_seconds', 'integer', (c) => c.notNull())
    .addColumn('ttl_seconds', 'integer', (c) => c.notNull())
    .addColumn('partial', 'integer', (c) => c.notNull())
    .addColumn('next_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('last_run_at', 'text')
    .addColumn('last_status', 'text')
    .addColumn('last_error', 'text')
    .addColumn('last_count', 'integer')
    .execute();

  // Kept on the case row, like its asset criticality, so the priority is recomputed from the row alone.
  await db.schema
    .alterTable('cases')
    .addColumn('intel_matches', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('cases')
    .addColumn('intel_sources', 'text', (c) => c.notNull().defaultTo(sql`'[]'`))
    .execute();
  await db.schema.alterTable('cases').addColumn('intel_confidence', 'integer').execute();
  await db.schema
    .alterTable('cases')
    .addColumn('intel_observables', 'text', (c) => c.notNull().defaultTo(sql`'[]'`))
    .execute();
}
