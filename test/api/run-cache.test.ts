import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const MB = 1024 * 1024;

/** The run engine's cache of open runs is bounded by the size of their states, not only their number. */
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
    });
    after(() => h.close());

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
      const { runs, stateLength } = h.riposte.engine.cached;
      assert.ok(runs < ids.length, `${runs} of ${ids.length} runs cached`);
      // Trimmed to the bound before each batch; the last batch's own runs may go past it.
      assert.ok(stateLength <= 1 * MB + 2 * 310_000, `${stateLength} characters of state cached`);
      for (const id of ids) {
        const run = await h.riposte.runs.settle(id, 15_000, { untilTerminal: true });
        assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
        assert.deepEqual(run.outputs, { kept: 150_000 });
      }
      assert.deepEqual(h.riposte.engine.cached, { runs: 0, stateLength: 0 });
    });
  });
}
