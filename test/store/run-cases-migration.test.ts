import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { openRiposte, type Riposte } from '../../src/riposte.ts';
import { queuedRunRow } from '../../src/runs/run-commands.ts';
import { up } from '../../src/store/migrations/0018-run-cases.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/test-databases.ts';

const ACTOR = { id: 't', type: 'system' as const };

/** Migration 0018: runs stored before their alert had a case take the alert's case. */
for (const kind of databaseKinds()) {
  describe(`migration 0018 (run cases) on ${kind}`, () => {
    let db: TestDatabase;
    let riposte: Riposte;
    before(async () => {
      db = await createTestDatabase(kind);
      riposte = await openRiposte(
        loadConfig(
          {},
          { dataDir: db.dataDir, databaseUrl: db.url, logLevel: 'silent', builtinPlaybooks: false },
        ),
      );
    });
    after(async () => {
      await riposte.close();
      await db.drop();
    });

    it("fills in a run's case from its alert, and leaves runs with a case or without an alert alone", async () => {
      await riposte.sources.create({ name: 'ids', format: 'suricata' }, ACTOR);
      const source = await riposte.sources.get('ids');
      const { alertIds } = await riposte.ingest.ingest(
        source,
        JSON.stringify(eveAlert()),
        'application/json',
        ACTOR,
      );
      await riposte.grouping.drain();
      const caseId = (await riposte.alerts.get(alertIds[0]!)).caseId;
      assert.ok(caseId);
      const run = (id: string, alertId: string | null, runCase: string | null) => ({
        ...queuedRunRow(
          {
            id,
            playbook_id: 'p',
            alert_id: alertId,
            case_id: runCase,
            parent_run_id: null,
            parent_step_key: null,
            started_by: 'trigger',
            dry_run: 0,
          },
          'p',
          { kind: 'manual', by: 't' },
          { queued: true, inputs: {} },
          new Date().toISOString(),
          1,
        ),
        status: 'succeeded',
      });
      await riposte.database.db
        .insertInto('runs')
        .values([
          run('run_a', alertIds[0]!, null),
          run('run_b', alertIds[0]!, 'case_other'),
          run('run_c', null, null),
        ])
        .execute();
      await up(riposte.database.db as unknown as Kysely<unknown>);
      const rows = await riposte.database.db
        .selectFrom('runs')
        .select(['id', 'case_id'])
        .orderBy('id')
        .execute();
      assert.deepEqual(rows, [
        { id: 'run_a', case_id: caseId },
        { id: 'run_b', case_id: 'case_other' },
        { id: 'run_c', case_id: null },
      ]);
    });
  });
}
