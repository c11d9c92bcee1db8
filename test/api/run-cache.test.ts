import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const MB = 1024 * 1024;

const SYSTEM = { id: 'test', type: 'system' as const };

/**
 * The run engine's cache of open runs is bounded by what they hold — their states, and the copies of
 * their alerts and cases — not only by their number.
 */
for (const kind of databaseKinds()) {
  describe(`the run cache on ${kind}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(kind, { runCacheMb: 1 }, { worker: true });
      const saved = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks',
        payload: {
          source: `
id: big_state
name: A run that keeps a large value
triggers: { manual: true }
inputs:
  blob: { type: string }
outputs:
  kept: \${{ size(vars.blob) }}
steps:
  - id: keep
    set: { blob: '\${{ inputs.blob }}' }
  - id: pause
    wait: { delay: 1500ms }
`,
        },
      });
      assert.equal(saved.statusCode, 201, saved.body);
      const triage = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks',
        payload: {
          source: `
id: slow_triage
name: Waits, then reads its alert
triggers:
  alert: \${{ alert.source == "big-lab" }}
outputs:
  title: \${{ alert.title }}
  payload: \${{ size(alert.raw.payload_printable) }}
steps:
  - id: pause
    wait: { delay: 5s }
`,
        },
      });
      assert.equal(triage.statusCode, 201, triage.body);
      const source = await h.as('admin', {
        method: 'POST',
        url: '/api/v1/sources',
        payload: { name: 'big-lab', format: 'suricata' },
      });
      assert.equal(source.statusCode, 201, source.body);
    });
    after(() => h.close());

    /** Ingests large alerts (each with a payload of this many characters), returning their runs' ids. */
    const ingestLarge = async (count: number, payload: number, sid: number) => {
      const body = Array.from({ length: count }, (_, i) => ({
        ...eveAlert({
          srcIp: `10.66.${sid % 250}.${i + 1}`,
          sid: sid + i,
          signature: `Large payload ${sid + i}`,
        }),
        payload_printable: 'p'.repeat(payload),
      }));
      const source = await h.riposte.sources.get('big-lab');
      const result = await h.riposte.ingest.ingest(source, JSON.stringify(body), 'application/json', SYSTEM);
      assert.equal(result.accepted, count);
      const runs = await h.riposte.database.db
        .selectFrom('runs')
        .select('id')
        .where('alert_id', 'in', result.alertIds)
        .execute();
      assert.equal(runs.length, count);
      return runs.map((r) => r.id);
    };

    const settleTriage = async (ids: string[], payload: number) => {
      for (const id of ids) {
        const run = await h.riposte.runs.settle(id, 15_000, { untilTerminal: true });
        assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
        assert.match(String(run.outputs.title), /^Large payload /);
        assert.equal(run.outputs.payload, payload);
      }
    };

    it('counts the alerts its runs keep, and lets them go when their time is over', async () => {
      const ids = await ingestLarge(3, 200_000, 4_100_000);
      const given = h.riposte.engine.cached;
      assert.equal(given.runs, 3);
      assert.ok(given.length >= 3 * 200_000, `${given.length} characters cached with three 200 KB alerts`);
      // Their copies are kept for two seconds; the runs wait five.
      await new Promise((r) => setTimeout(r, 2_600));
      const waiting = h.riposte.engine.cached;
      assert.equal(waiting.runs, 3, 'the waiting runs stay cached');
      assert.ok(
        waiting.length < 3 * 20_000,
        `${waiting.length} characters cached once the copies are let go`,
      );
      // When they move on they read their alerts again.
      await settleTriage(ids, 200_000);
    });

    it('lets go of alert copies past its bound', async () => {
      const ids = await ingestLarge(8, 300_000, 4_200_000);
      const { runs, length } = h.riposte.engine.cached;
      assert.equal(runs, 8, 'every run stays cached: only the copies are over the bound');
      assert.ok(length <= 1 * MB, `${length} characters cached with eight 300 KB alerts, 1 MB allowed`);
      await settleTriage(ids, 300_000);
    });

    it('keeps at most about its bound of run state; the runs it let go are read back and finish', async () => {
      const blob = 'x'.repeat(150_000);
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        const res = await h.as('analyst', {
          method: 'POST',
          url: '/api/v1/runs',
          payload: { playbookId: 'big_state', inputs: { blob } },
        });
        assert.equal(res.statusCode, 201, res.body);
        ids.push(res.json().id as string);
      }
      // Twelve runs of about 300 KB of state each (the blob in the inputs and in vars) wait together.
      for (const id of ids) {
        for (let i = 0; i < 200; i++) {
          const run = await h.riposte.runs.get(id);
          if (run.status === 'waiting' || run.status === 'succeeded') break;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      const { runs, length } = h.riposte.engine.cached;
      assert.ok(runs < ids.length, `${runs} of ${ids.length} runs cached`);
      // Trimmed to the bound before each batch; the last batch's own runs may go past it (their
      // states and, past 4 KB, their encoders' texts).
      assert.ok(length <= 1 * MB + 2 * 2 * 310_000, `${length} characters cached`);
      for (const id of ids) {
        const run = await h.riposte.runs.settle(id, 15_000, { untilTerminal: true });
        assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
        assert.deepEqual(run.outputs, { kept: 150_000 });
      }
      assert.deepEqual(h.riposte.engine.cached, { runs: 0, length: 0 });
    });
  });
}
