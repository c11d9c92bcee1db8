import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * SQLite: dedup's index moves out of `alerts` into a table of its own that is written in sorted
 * batches (src/ingest/dedup-index.ts). The expression index on the fingerprint's first characters
 * (0014) took each new alert at a random page, so every commit rewrote about one page of it per
 * alert; `alert_fingerprints` gets the alerts stored since its last merge all at once, in key order.
 * `dedup_merge` holds the last alert rowid merged (alerts are never deleted, so rowids only grow).
 * PostgreSQL keeps the expression index: several API processes write there at once, and the tiers
 * need to know when another writer committed.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'sqlite') return;
  await sql`CREATE TABLE alert_fingerprints (
    prefix TEXT NOT NULL,
    alert_rowid INTEGER NOT NULL,
    PRIMARY KEY (prefix, alert_rowid)
  ) WITHOUT ROWID`.execute(db);
  await sql`CREATE TABLE dedup_merge (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    merged_rowid INTEGER NOT NULL
  )`.execute(db);
  await sql`INSERT INTO alert_fingerprints (prefix, alert_rowid)
    SELECT substr(fingerprint, 1, 6), rowid FROM alerts ORDER BY 1, 2`.execute(db);
  await sql`INSERT INTO dedup_merge (id, merged_rowid) SELECT 1, coalesce(max(rowid), 0) FROM alerts`.execute(
    db,
  );
  await sql`DROP INDEX alerts_fingerprint_short`.execute(db);
}
