import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { IngestWriter } from '../../src/ingest/ingest-writer.ts';
import { preparedAlert, type PreparedAlert } from '../../src/ingest/prepare-body.ts';
import { normalizerFor } from '../../src/ingest/normalizers/registry.ts';
import { INGEST_TABLES, PlannerStatistics, PRIME_AFTER_ALERTS } from '../../src/store/planner-statistics.ts';
import type { DatabaseSchema } from '../../src/store/schema.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { databaseKinds, useMigratedDatabase } from '../support/test-databases.ts';

const ACTOR = { id: 'ids', type: 'source' as const };
/** Enough alerts that reading the whole table costs more than the index for one lookup chunk. */
const ALERTS = 5_000;

/** Distinct alerts (source address and signature vary), as ingest prepares them. */
function alerts(from: number, count: number): PreparedAlert[] {
  const normalizer = normalizerFor('suricata');
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const draft = normalizer.normalize(
      eveAlert({ srcIp: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, sid: 9_000_000 + n }),
      { receivedAt: '2026-11-30T10:00:00.000Z', options: {} },
    );
    return preparedAlert('ids', draft);
  });
}

async function analyzedTables(db: Kysely<DatabaseSchema>): Promise<Map<string, string | null>> {
  const { rows } = await sql<{ relname: string; analyzed: string | null }>`
    SELECT relname, coalesce(last_analyze, last_autoanalyze)::text AS analyzed
    FROM pg_stat_user_tables WHERE relname IN (${sql.join([...INGEST_TABLES])})`.execute(db);
  return new Map(rows.map((r) => [r.relname, r.analyzed]));
}

/** The plan PostgreSQL picks for dedup's lookup of `fingerprints` (the writer's query shape). */
async function dedupPlan(db: Kysely<DatabaseSchema>, fingerprints: string[]): Promise<string> {
  const { rows } = await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT id FROM alerts
    WHERE substr(fingerprint, 1, 6) IN (${sql.join(fingerprints.map((f) => f.slice(0, 6)))})
      AND fingerprint IN (${sql.join(fingerprints)})`.execute(db);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

for (const kind of databaseKinds()) {
  describe(`planner statistics on ${kind}`, () => {
    const suite = useMigratedDatabase(kind);

    if (kind === 'postgres') {
      it('analyzes the ingest tables after the first thousand alerts, and dedup then uses its index', async () => {
        const db = suite.database.db;
        // autovacuum must not analyze behind the test's back.
        for (const table of INGEST_TABLES)
          await sql`ALTER TABLE ${sql.id(table)} SET (autovacuum_enabled = false)`.execute(db);
        const writer = new IngestWriter({
          db,
          dialect: 'postgres',
          audit: new AuditLog(Buffer.alloc(32, 3), 'postgres'),
          dedupWindowSeconds: 3600,
          grouping: [{ match: 'rule_and_host', windowSeconds: 3600 }],
        });
        const size = 500;
        for (let b = 0; b < ALERTS / size; b++)
          await writer.write({
            source: 'ids',
            format: 'suricata',
            actor: ACTOR,
            alerts: alerts(b * size, size),
            rejected: 0,
          });
        const probe = alerts(0, 400).map((a) => a.fingerprint);
        // Without statistics the planner reads the whole table for one chunk of dedup's lookup.
        assert.match(await dedupPlan(db, probe), /Seq Scan on alerts/);

        const errors: unknown[] = [];
        const statistics = new PlannerStatistics(db, 'postgres', (e) => errors.push(e));
        statistics.stored(PRIME_AFTER_ALERTS - 1);
        await statistics.settled();
        assert.ok(
          [...(await analyzedTables(db)).values()].every((at) => at === null),
          'nothing is analyzed before the first thousand alerts',
        );
        statistics.stored(1);
        await statistics.settled();
        const analyzed = await analyzedTables(db);
        assert.deepEqual([...analyzed.keys()].sort(), [...INGEST_TABLES].sort());
        for (const [table, at] of analyzed) assert.notEqual(at, null, `${table} was analyzed`);
        assert.equal(errors.length, 0, String(errors[0]));
        const plan = await dedupPlan(db, probe);
        assert.match(plan, /Bitmap Index Scan on alerts_fingerprint_short/);
        assert.doesNotMatch(plan, /Seq Scan on alerts/);

        // Once is enough: a second process on the same database finds the statistics there.
        const again = new PlannerStatistics(db, 'postgres', (e) => errors.push(e));
        again.stored(PRIME_AFTER_ALERTS);
        await again.settled();
        assert.deepEqual(await analyzedTables(db), analyzed);
        assert.equal(errors.length, 0, String(errors[0]));
      });

      it('reports a failed ANALYZE and settles', async () => {
        const errors: unknown[] = [];
        // A role without the right to read the statistics view is not something a test can arrange
        // portably; a query on a connection that is gone fails the same way.
        const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
        const broken = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
        const statistics = new PlannerStatistics(broken, 'postgres', (e) => errors.push(e));
        statistics.stored(PRIME_AFTER_ALERTS);
        await statistics.settled();
        assert.equal(errors.length, 1);
        statistics.stored(PRIME_AFTER_ALERTS);
        await statistics.settled();
        assert.equal(errors.length, 1, 'it does not try again: autovacuum will analyze');
        await broken.destroy();
      });
    } else {
      it('does nothing on SQLite, which plans without statistics', async () => {
        const db = suite.database.db;
        const statistics = new PlannerStatistics(db, 'sqlite', (e) => assert.fail(String(e)));
        statistics.stored(PRIME_AFTER_ALERTS * 10);
        await statistics.settled();
        // ANALYZE on SQLite would have created sqlite_stat1.
        const { rows } = await sql<{ n: number }>`
          SELECT count(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'`.execute(db);
        assert.equal(Number(rows[0]?.n), 0);
      });
    }
  });
}
