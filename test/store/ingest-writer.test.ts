import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { AuditLog, type Actor } from '../../src/audit/audit-log.ts';
import { IngestWriter } from '../../src/ingest/ingest-writer.ts';
import { openDatabase } from '../../src/store/database.ts';
import { preparedAlert, type PreparedAlert } from '../../src/ingest/prepare-body.ts';
import { normalizerFor } from '../../src/ingest/normalizers/registry.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { databaseKinds, useMigratedDatabase } from '../support/test-databases.ts';

/**
 * The ingest writer's commit: dedup finds earlier alerts through an index of the fingerprint's first
 * characters (migration 0014 on PostgreSQL; on SQLite the tiers of test/store/dedup-index.test.ts),
 * fingerprints that share those characters are told apart by the whole fingerprint; the requests of
 * one commit leave one audit row per source and sender.
 */
for (const kind of databaseKinds()) {
  describe(`ingest writer on ${kind}`, () => {
    const suite = useMigratedDatabase(kind);
    let writer: IngestWriter;
    before(() => {
      writer = new IngestWriter({
        db: suite.database.db,
        dialect: kind,
        audit: new AuditLog(Buffer.alloc(32, 7), kind),
        dedupWindowSeconds: 3600,
      });
    });

    const alert = (sid: number, fingerprint: string): PreparedAlert => {
      const draft = normalizerFor('suricata').normalize(eveAlert({ srcIp: '10.3.0.1', sid }), {
        receivedAt: '2026-11-30T10:00:00.000Z',
        options: {},
      });
      return { ...preparedAlert('ids', draft), fingerprint };
    };
    const write = (alerts: PreparedAlert[], actor: Actor = { id: 'ids', type: 'source' }, rejected = 0) =>
      writer.write({ source: 'ids', format: 'suricata', actor, alerts, rejected });

    it('keeps alerts whose fingerprints share the indexed prefix apart, and counts a repeat on the right one', async () => {
      const shared = 'AAAAAAAAAAAAAAAAAAAA';
      const first = `${shared}${'b'.repeat(23)}`;
      const second = `${shared}${'c'.repeat(23)}`;
      const stored = await write([alert(1, first), alert(2, second)]);
      assert.equal(stored.duplicates, 0);
      assert.equal(new Set(stored.alertIds).size, 2);

      const again = await write([alert(2, second)]);
      assert.equal(again.duplicates, 1);
      assert.deepEqual(again.alertIds, [stored.alertIds[1]]);
      const rows = await suite.database.db
        .selectFrom('alerts')
        .select(['id', 'count'])
        .where('fingerprint', 'in', [first, second])
        .orderBy('id')
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.id, Number(r.count)]),
        [
          [stored.alertIds[0], 1],
          [stored.alertIds[1], 2],
        ],
      );
    });

    it('leaves one audit row per source and sender for the requests of one commit, with their counts', async () => {
      const before = await suite.database.db
        .selectFrom('audit_log')
        .select('seq')
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      const first = `${'D'.repeat(20)}${'e'.repeat(23)}`;
      const lab = { id: 'ids', type: 'source' as const, ip: '192.0.2.10' };
      const other = { id: 'ids', type: 'source' as const, ip: '192.0.2.11' };
      // Submitted in the same tick: one group commit.
      const results = await Promise.all([
        write([alert(11, first)], lab, 1),
        write([alert(12, `${'F'.repeat(20)}${'g'.repeat(23)}`)], lab),
        write([alert(11, first)], lab, 2),
        write([alert(13, `${'H'.repeat(20)}${'i'.repeat(23)}`)], other),
      ]);
      assert.equal(results[2]!.duplicates, 1, 'the third request repeats the first');
      const rows = await suite.database.db
        .selectFrom('audit_log')
        .select(['actor', 'ip', 'action', 'target_id', 'details'])
        .where('seq', '>', Number(before?.seq ?? 0))
        .orderBy('seq')
        .execute();
      assert.deepEqual(
        rows.map((r) => ({ ...r, details: JSON.parse(r.details) as unknown })),
        [
          {
            actor: 'ids',
            ip: '192.0.2.10',
            action: 'alerts.ingest',
            target_id: 'ids',
            details: { requests: 3, accepted: 2, duplicates: 1, rejected: 3 },
          },
          {
            actor: 'ids',
            ip: '192.0.2.11',
            action: 'alerts.ingest',
            target_id: 'ids',
            details: { requests: 1, accepted: 1, duplicates: 0, rejected: 0 },
          },
        ],
      );
    });

    it('tells onStored how many new alerts each commit stored, duplicates not counted', async () => {
      const told: number[] = [];
      const counting = new IngestWriter({
        db: suite.database.db,
        dialect: kind,
        audit: new AuditLog(Buffer.alloc(32, 7), kind),
        dedupWindowSeconds: 3600,
        onStored: (n) => told.push(n),
      });
      const fresh = `${'J'.repeat(20)}${'k'.repeat(23)}`;
      const job = (alerts: PreparedAlert[]) =>
        counting.write({
          source: 'ids',
          format: 'suricata',
          actor: { id: 'ids', type: 'source' },
          alerts,
          rejected: 0,
        });
      await job([alert(21, fresh), alert(22, `${'L'.repeat(20)}${'m'.repeat(23)}`)]);
      await job([alert(21, fresh)]);
      assert.deepEqual(told, [2, 0]);
    });

    it('stores a record that two processes receive at the same moment once, and counts the other copy', async () => {
      // A second API process: its own connection (pool) and its own writer on the same database.
      const other = openDatabase(suite.url);
      const writers = [
        writer,
        new IngestWriter({
          db: other.db,
          dialect: kind,
          audit: new AuditLog(Buffer.alloc(32, 7), kind),
          dedupWindowSeconds: 3600,
        }),
      ];
      try {
        const fingerprints = Array.from(
          { length: 40 },
          (_, i) => `${'N'.repeat(18)}${String(i).padStart(2, '0')}${'p'.repeat(23)}`,
        );
        for (const [i, fingerprint] of fingerprints.entries()) {
          // The same record through both, in the same tick, as a sender retrying on another process.
          const both = await Promise.all(
            writers.map((w) =>
              w.write({
                source: 'ids',
                format: 'suricata',
                actor: { id: 'ids', type: 'source' },
                alerts: [alert(100 + i, fingerprint)],
                rejected: 0,
              }),
            ),
          );
          assert.equal(
            both[0]!.duplicates + both[1]!.duplicates,
            1,
            `record ${i}: one copy stored, one counted`,
          );
          assert.equal(
            both[0]!.alertIds[0],
            both[1]!.alertIds[0],
            `record ${i}: both answered with the same alert`,
          );
        }
        const rows = await suite.database.db
          .selectFrom('alerts')
          .select(['fingerprint', 'count'])
          .where('fingerprint', 'in', fingerprints)
          .execute();
        assert.deepEqual(
          rows.map((r) => [r.fingerprint, Number(r.count)]).sort(),
          fingerprints.map((f) => [f, 2]),
        );
      } finally {
        await other.close();
      }
    });
  });
}
