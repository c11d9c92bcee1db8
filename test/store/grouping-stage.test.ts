import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { loadConfig } from '../../src/config.ts';
import { IngestWriter } from '../../src/ingest/ingest-writer.ts';
import { preparedAlert } from '../../src/ingest/prepare-body.ts';
import { normalizerFor } from '../../src/ingest/normalizers/registry.ts';
import { openRiposte } from '../../src/riposte.ts';
import { queuedRunRow } from '../../src/runs/run-commands.ts';
import { loadMasterKey } from '../../src/security/master-key.ts';
import { SecretBox } from '../../src/security/secret-box.ts';
import { openDatabase } from '../../src/store/database.ts';
import { migrate } from '../../src/store/migrator.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/test-databases.ts';

/**
 * Ingest groups alerts in the transaction that stores them. The grouping stage's queue is the alerts
 * table: alerts stored without a case (grouping failed, or a process died before grouping them) are
 * grouped by the stage, in the next process that opens the database if need be.
 */
for (const kind of databaseKinds()) {
  describe(`grouping stage on ${kind}`, () => {
    let t: TestDatabase;
    before(async () => {
      t = await createTestDatabase(kind);
    });
    after(() => t.drop());

    it('groups new alerts in the transaction that stores them; a grouping fault stores them ungrouped', async () => {
      const database = openDatabase(t.url);
      await migrate(database);
      const box = new SecretBox(loadMasterKey(undefined, t.dataDir));
      const audit = new AuditLog(box.deriveKey('audit-chain'), kind);
      const suricata = normalizerFor('suricata');
      const job = (sid: number, srcIp: string, destIp: string, hostname: string) => {
        const draft = suricata.normalize(eveAlert({ srcIp, sid, destIp, hostname }), {
          receivedAt: new Date().toISOString(),
          options: {},
        });
        return {
          source: 'ids',
          format: 'suricata',
          actor: { id: 'ids', type: 'source' as const },
          alerts: [preparedAlert('ids', draft)],
          rejected: 0,
        };
      };
      const caseCount = async () =>
        Number(
          (
            await database.db
              .selectFrom('cases')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      try {
        const ungrouped: string[] = [];
        const errors: unknown[] = [];
        let failCaseHook = false;
        const writer = new IngestWriter({
          db: database.db,
          dialect: kind,
          audit,
          dedupWindowSeconds: 3600,
          grouping: loadConfig({}, { dataDir: t.dataDir }).grouping,
          onUngrouped: () => ungrouped.push('notified'),
          onGroupingError: (error) => errors.push(error),
          caseHook: {
            prepare: async () => ({
              write: async () => {
                if (failCaseHook) throw new Error('case trigger broke');
              },
              committed: () => undefined,
            }),
          },
        });

        const first = await writer.write(job(7001, '10.70.0.1', '198.51.100.71', 'one.example.org'));
        const [stored] = await database.db
          .selectFrom('alerts')
          .select(['case_id'])
          .where('id', '=', first.alertIds[0]!)
          .execute();
        assert.ok(stored!.case_id, 'the alert has its case when the write is acknowledged');
        assert.equal(await caseCount(), 1);
        assert.deepEqual(ungrouped, []);

        failCaseHook = true;
        const second = await writer.write(job(7002, '10.70.0.2', '198.51.100.72', 'two.example.org'));
        const [kept] = await database.db
          .selectFrom('alerts')
          .select(['case_id'])
          .where('id', '=', second.alertIds[0]!)
          .execute();
        assert.ok(kept, 'the alert is stored even though grouping failed');
        assert.equal(kept.case_id, null, 'stored without a case, for the grouping stage');
        assert.equal(await caseCount(), 1, 'the case grouping opened was rolled back with it');
        assert.deepEqual(ungrouped, ['notified']);
        assert.match(String(errors[0]), /case trigger broke/);
        assert.equal((await audit.verify(database.db)).ok, true);
      } finally {
        await database.close();
      }
    });

    it('groups alerts left without a case by a process that stopped after the ingest commit', async () => {
      // A "crashed" process: the ingest writer commits, nothing groups.
      const database = openDatabase(t.url);
      await migrate(database);
      const box = new SecretBox(loadMasterKey(undefined, t.dataDir));
      const writer = new IngestWriter({
        db: database.db,
        dialect: kind,
        audit: new AuditLog(box.deriveKey('audit-chain'), kind),
        dedupWindowSeconds: 3600,
      });
      const suricata = normalizerFor('suricata');
      const alerts = [
        eveAlert({ srcIp: '10.1.0.1', sid: 1 }),
        eveAlert({ srcIp: '10.1.0.1', sid: 1, destIp: '198.51.100.77', timestamp: '2026-11-20T11:00:00Z' }),
        eveAlert({ srcIp: '10.1.0.2', sid: 2, hostname: 'other.example.org' }),
      ].map((e) => {
        const draft = suricata.normalize(e, { receivedAt: new Date().toISOString(), options: {} });
        return preparedAlert('ids', draft);
      });
      const { alertIds } = await writer.write({
        source: 'ids',
        format: 'suricata',
        actor: { id: 'ids', type: 'source' },
        alerts,
        rejected: 0,
      });
      const waiting = await database.db
        .selectFrom('alerts')
        .select('id')
        .where('case_id', 'is', null)
        .where('id', 'in', alertIds)
        .execute();
      assert.equal(waiting.length, 3);
      // Runs its trigger started before the alert had a case; and one started on a case of its own.
      const run = (id: string, caseId: string | null) => ({
        ...queuedRunRow(
          {
            id,
            playbook_id: 'p',
            alert_id: alertIds[0]!,
            case_id: caseId,
            parent_run_id: null,
            parent_step_key: null,
            started_by: 'trigger',
            dry_run: 0,
          },
          'p',
          { kind: 'alert', alertId: alertIds[0]! },
          { queued: true, inputs: {} },
          new Date().toISOString(),
          1,
        ),
        status: 'succeeded',
      });
      await database.db
        .insertInto('runs')
        .values([run('run_of_alert', null), run('run_of_other_case', 'case_elsewhere')])
        .execute();
      await database.close();

      // The next process picks them up on its own.
      const riposte = await openRiposte(
        loadConfig({}, { dataDir: t.dataDir, databaseUrl: t.url, logLevel: 'silent' }),
      );
      try {
        await riposte.grouping.drain();
        const [a, b, c] = await Promise.all(alertIds.map((id) => riposte.alerts.get(id)));
        assert.ok(a!.caseId);
        assert.equal(a!.caseId, b!.caseId, 'same rule on the same host');
        assert.notEqual(a!.caseId, c!.caseId);
        const detail = await riposte.cases.get(a!.caseId!);
        assert.equal(detail.alertCount, 2);
        // The alert's run joined its case with it; the one started on another case stayed there.
        const runs = await riposte.database.db
          .selectFrom('runs')
          .select(['id', 'case_id'])
          .orderBy('id')
          .execute();
        assert.deepEqual(runs, [
          { id: 'run_of_alert', case_id: a!.caseId },
          { id: 'run_of_other_case', case_id: 'case_elsewhere' },
        ]);
        assert.equal((await riposte.audit.verify(riposte.database.db)).ok, true);
      } finally {
        await riposte.close();
      }
    });
  });
}
