import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql, type Kysely, type Transaction } from 'kysely';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { IngestWriter, type IngestJob, type IngestWriterOptions } from '../../src/ingest/ingest-writer.ts';
import { preparedAlert } from '../../src/ingest/prepare-body.ts';
import { normalizerFor } from '../../src/ingest/normalizers/registry.ts';
import type { AlertTable, DatabaseSchema } from '../../src/store/schema.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { databaseKinds, useMigratedDatabase } from '../support/test-databases.ts';

/** Observables the large case holds before the batch: past the point where PostgreSQL scanned it whole. */
const STORED = 60_000;
const BATCH = 400;
const DEST = '203.0.113.80';

/** The n-th address of the range the stored observables use (and half of the batch repeats). */
const address = (n: number): string => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

function job(sources: string[], { destIp = DEST, severity = 2 } = {}): IngestJob {
  const suricata = normalizerFor('suricata');
  return {
    source: 'ids',
    format: 'suricata',
    actor: { id: 'ids', type: 'source' },
    rejected: 0,
    alerts: sources.map((srcIp, i) =>
      preparedAlert(
        'ids',
        suricata.normalize(eveAlert({ srcIp, destIp, sid: 5_000_000 + i, severity }), {
          receivedAt: '2026-11-20T10:15:04.000Z',
          options: {},
        }),
      ),
    ),
  };
}

/** A writer that puts alerts sharing an IPv4 address into one case (a rule a deployment may configure). */
function writerOn(
  db: Kysely<DatabaseSchema>,
  kind: 'sqlite' | 'postgres',
  extra: Partial<IngestWriterOptions> = {},
): IngestWriter {
  return new IngestWriter({
    db,
    dialect: kind,
    audit: new AuditLog(Buffer.alloc(32, 5), kind),
    dedupWindowSeconds: 3600,
    grouping: [{ match: 'observable', types: ['ipv4'], windowSeconds: 86_400 }],
    ...extra,
  });
}

/**
 * Grouping a batch into an existing case asks which of the batch's observables the case already
 * holds (only the new ones extend its search document). A case that has gathered tens of thousands
 * of observables must be probed, not read whole, in the ingest transaction itself.
 */
for (const kind of databaseKinds()) {
  describe(`alerts joining an existing case on ${kind}`, () => {
    const suite = useMigratedDatabase(kind);

    it('tells the batch’s new observables from those a large case holds, without reading the case whole', async () => {
      const db = suite.database.db;
      let scans: { rows: number; index: number } | undefined;
      const writer = writerOn(db, kind, {
        alertHook: {
          prepare: async () => ({
            // Inside the ingest transaction, after grouping: what it has read of case_observables.
            write: async (trx: Transaction<DatabaseSchema>, _alerts: readonly AlertTable[]) => {
              if (kind !== 'postgres') return;
              // The backend's counts not yet reported, which may include its earlier transactions'.
              const { rows } = await sql<{ rows: number; index: number }>`
                SELECT seq_tup_read AS rows, coalesce(idx_scan, 0) AS index
                FROM pg_stat_xact_user_tables WHERE relname = 'case_observables'`.execute(trx);
              scans = { rows: Number(rows[0]!.rows), index: Number(rows[0]!.index) };
            },
            committed: () => {},
          }),
        },
      });
      await writer.write(job([address(0)]));
      const { id: caseId } = await db.selectFrom('cases').select('id').executeTakeFirstOrThrow();

      // The case gathers STORED source addresses (rows as grouping writes them, inserted directly).
      await sql`WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${STORED - 1})
        INSERT INTO case_observables (case_id, type, value, role, first_seen, last_seen)
        SELECT ${caseId}, 'ipv4', '10.' || (n >> 16 & 255) || '.' || (n >> 8 & 255) || '.' || (n & 255),
               'source', '2026-11-20T10:15:03.123Z', '2026-11-20T10:15:03.123Z'
        FROM s`.execute(db);
      await sql`ANALYZE`.execute(db);
      const before = await db
        .selectFrom('cases')
        .select(['search_values', 'alert_count'])
        .where('id', '=', caseId)
        .executeTakeFirstOrThrow();

      // Half the batch repeats addresses the case holds, half is new to it.
      const repeated = Array.from({ length: BATCH / 2 }, (_, i) => address(1 + i * 97));
      const fresh = Array.from({ length: BATCH / 2 }, (_, i) => address(STORED + 1 + i));
      await writer.write(job([...repeated, ...fresh]));

      const after = await db
        .selectFrom('cases')
        .select(['search_values', 'alert_count'])
        .where('id', '=', caseId)
        .executeTakeFirstOrThrow();
      assert.equal(Number(after.alert_count), Number(before.alert_count) + BATCH);
      assert.equal(
        Number(after.search_values) - Number(before.search_values),
        fresh.length,
        'only the addresses new to the case extend its search document',
      );
      const stored = await db
        .selectFrom('case_observables')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('case_id', '=', caseId)
        .executeTakeFirstOrThrow();
      // The first alert's two addresses, its URL and domain, the seeded ones, and the new ones.
      assert.equal(Number(stored.n), STORED + 3 + fresh.length);
      if (kind === 'postgres') {
        assert.ok(scans, 'the hook ran inside the ingest transaction');
        assert.ok(
          scans.rows < BATCH,
          `case_observables was probed, not read whole (${scans.rows} rows scanned)`,
        );
        assert.ok(scans.index > 0);
      }
    });
    it('raise the case’s severity with a more severe alert, and never lower one a person raised', async () => {
      const db = suite.database.db;
      const writer = writerOn(db, kind);
      const DEST_B = '198.51.100.7';
      const alertOn = (srcIp: string, severity: number): IngestJob =>
        job([srcIp], { destIp: DEST_B, severity });
      const severityOf = async (id: string) =>
        db
          .selectFrom('cases')
          .select(['severity', 'severity_id', 'alert_count'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow();

      await writer.write(alertOn('192.0.2.1', 3));
      const { id } = await db
        .selectFrom('case_observables')
        .select('case_id as id')
        .where('value', '=', DEST_B)
        .executeTakeFirstOrThrow();
      assert.deepEqual(await severityOf(id), { severity: 'low', severity_id: 2, alert_count: 1 });

      await writer.write(alertOn('192.0.2.2', 1));
      assert.deepEqual(await severityOf(id), { severity: 'high', severity_id: 4, alert_count: 2 });

      // An analyst raises it; a milder alert joining afterwards leaves it there.
      await db
        .updateTable('cases')
        .set({ severity: 'critical', severity_id: 5 })
        .where('id', '=', id)
        .execute();
      await writer.write(alertOn('192.0.2.3', 2));
      assert.deepEqual(await severityOf(id), { severity: 'critical', severity_id: 5, alert_count: 3 });
    });
  });
}
