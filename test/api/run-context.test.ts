import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RunContextLoader } from '../../src/runs/run-context.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const ACTOR = { id: 't', type: 'system' as const };

/** What runs see as `alert` and `case`, read for a whole group commit at once (src/runs/run-context.ts). */
for (const kind of databaseKinds()) {
  describe(`run contexts on ${kind}`, () => {
    let h: Harness;
    let loader: RunContextLoader;
    let alertIds: string[];
    before(async () => {
      h = await startHarness(kind);
      await h.riposte.sources.create({ name: 'ids', format: 'suricata' }, ACTOR);
      // 620 distinct alerts: more than one IN (…) list of ids.
      const body = Array.from({ length: 620 }, (_, n) =>
        eveAlert({ sid: 3_000_000 + n, srcIp: `10.1.${n >> 8}.${n & 255}` }),
      );
      ({ alertIds } = await h.riposte.ingest.ingest(
        await h.riposte.sources.get('ids'),
        JSON.stringify(body),
        'application/json',
        ACTOR,
      ));
      assert.equal(alertIds.length, 620);
      loader = new RunContextLoader(h.riposte.database.db);
    });
    after(() => h.close());

    it('answers each run in its order: its alert, and its own case or else its alert’s', async () => {
      const [first, second] = [alertIds[0]!, alertIds[1]!];
      const stored = await h.riposte.database.db
        .selectFrom('alerts')
        .select(['id', 'case_id', 'title'])
        .where('id', 'in', [first, second])
        .execute();
      const caseOf = new Map(stored.map((r) => [r.id, r.case_id]));
      const firstCase = caseOf.get(first)!;
      const secondCase = caseOf.get(second)!;
      assert.ok(firstCase && secondCase, 'ingest gave both alerts a case');

      const contexts = await loader.loadMany([
        { alertId: first, caseId: null },
        { alertId: second, caseId: firstCase },
        { alertId: null, caseId: secondCase },
        { alertId: null, caseId: null },
        { alertId: 'alert_gone', caseId: null },
        { alertId: first, caseId: null },
      ]);
      assert.equal(contexts.length, 6);
      assert.equal(contexts[0]!.alert?.id, first);
      assert.equal(contexts[0]!.case?.id, firstCase, 'a run without a case sees its alert’s');
      assert.equal(contexts[1]!.alert?.id, second);
      assert.equal(contexts[1]!.case?.id, firstCase, 'a run’s own case comes first');
      assert.equal(contexts[2]!.alert, null);
      assert.equal(contexts[2]!.case?.id, secondCase);
      assert.deepEqual(contexts[3], { alert: null, case: null, length: 0 });
      assert.deepEqual(
        contexts[4],
        { alert: null, case: null, length: 0 },
        'an alert that is gone is null, not an error',
      );
      // What the copies hold, as the run cache counts it: the alert's and the case's rows.
      const rows = await h.riposte.database.db
        .selectFrom('alerts')
        .selectAll()
        .where('id', '=', first)
        .execute();
      const raw = rows[0]!.raw.length;
      assert.ok(
        contexts[0]!.length > raw,
        `${contexts[0]!.length} characters counted for a raw event of ${raw}`,
      );
      assert.ok(
        contexts[2]!.length > 0 && contexts[2]!.length < contexts[0]!.length,
        'a case alone counts less',
      );
      assert.equal(contexts[5]!.alert, contexts[0]!.alert, 'runs of one alert share its parsed copy');
      assert.equal(contexts[0]!.alert?.title, stored.find((r) => r.id === first)!.title);
      assert.ok(contexts[0]!.alert?.raw, 'the raw event is there for expressions that read it');
    });

    it('reads more alerts than one list of ids holds', async () => {
      const contexts = await loader.loadMany(alertIds.map((alertId) => ({ alertId, caseId: null })));
      assert.deepEqual(
        contexts.map((c) => c.alert?.id),
        alertIds,
      );
      assert.ok(contexts.every((c) => c.case !== null));
    });

    it('reads a case as it is now, not as it was when the run last looked', async () => {
      const alertId = alertIds[2]!;
      const before = (await loader.load(alertId, null)).case!;
      const patched = await h.as('analyst', {
        method: 'PATCH',
        url: `/api/v1/cases/${before.id}`,
        payload: { severity: 'critical', tags: ['looked-at'] },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      const after = (await loader.load(alertId, null)).case!;
      assert.equal(after.severity, 'critical');
      assert.deepEqual(after.tags, ['looked-at']);
    });
  });
}
