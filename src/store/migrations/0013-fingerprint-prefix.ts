import { sql, type Kysely } from 'kysely';

/**
 * Dedup looks alerts up by fingerprint, a SHA-256 in base64url (43 characters): every new alert lands
 * at a random place in that index, so each commit rewrites about one index page per alert it stores
 * (WAL volume is what a SQLite commit costs, docs/benchmarks.md). An index of the first 16 characters
 * (96 bits: a collision only costs reading one more row, which the full fingerprint then rejects)
 * holds about four times the entries per page, so a batch touches a quarter of the pages. The lookup
 * names the same expression.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('alerts_fingerprint').execute();
  await sql`CREATE INDEX alerts_fingerprint_prefix ON alerts (substr(fingerprint, 1, 16))`.execute(db);
}
