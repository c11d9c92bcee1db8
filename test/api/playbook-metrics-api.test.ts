import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const ACTOR = { id: 'test-setup', type: 'system' as const };

/** Even inputs succeed through a condition that always holds; odd ones fail. */
const PROBE = `id: metric_probe
name: Metric probe
time_saved: 15m
triggers: { manual: true }
inputs:
  n: { type: number, required: true }
steps:
  - id: say
    uses: core.echo
    with: { n: '\${{ inputs.n }}' }
  - id: odd
    if: \${{ int(inputs.n) % 2 == 1 }}
    then: boom
  - id: always
    if: \${{ inputs.n >= 0 }}
    else: done
  - id: done
    end: true
  - id: boom
    fail: odd number
`;

const ASK = `id: ask_probe
name: Ask probe
triggers: { manual: true }
steps:
  - id: ask
    task:
      title: Look at it
      assignee: { role: analyst }
      choices: [done, later]
`;

for (const kind of databaseKinds()) {
  describe(`playbook metrics on ${kind}`, () => {
    let h: Harness;

    before(async () => {
      h = await startHarness(kind, {}, { worker: true });
      for (const source of [PROBE, ASK]) await h.riposte.playbooks.save(source, ACTOR);
      for (let n = 0; n < 20; n++) {
        const run = await h.riposte.runs.start({
          playbookId: 'metric_probe',
          inputs: { n },
          startedBy: 'admin',
          actor: ACTOR,
        });
        await h.riposte.runs.settle(run.id, 10_000, { untilTerminal: true });
      }
      // A dry run is not production: left out of every figure.
      const dry = await h.riposte.runs.start({
        playbookId: 'metric_probe',
        inputs: { n: 1 },
        dryRun: true,
        startedBy: 'admin',
        actor: ACTOR,
      });
      await h.riposte.runs.settle(dry.id, 10_000, { untilTerminal: true });
      const asked = await h.riposte.runs.start({ playbookId: 'ask_probe', startedBy: 'admin', actor: ACTOR });
      await h.riposte.runs.settle(asked.id, 10_000);
      const tasks = await h.as('analyst', { method: 'GET', url: `/api/v1/tasks?runId=${asked.id}` });
      const answer = await h.as('analyst', {
        method: 'POST',
        url: `/api/v1/tasks/${tasks.json().items[0].id}/answer`,
        payload: { choice: 'done' },
      });
      assert.equal(answer.statusCode, 200, answer.body);
      await h.riposte.runs.settle(asked.id, 10_000, { untilTerminal: true });
    });
    after(() => h?.close());

    it('counts runs and steps, failure rates, branches, and marks the condition that never changed the path', async () => {
      const res = await h.as('viewer', {
        method: 'GET',
        url: '/api/v1/playbooks/metric_probe/metrics?window=24h',
      });
      assert.equal(res.statusCode, 200, res.body);
      const m = res.json();
      assert.equal(m.window, '24h');
      assert.deepEqual(m.runs.byStatus, { succeeded: 10, failed: 10 });
      assert.equal(m.runs.total, 20);
      assert.equal(m.runs.successRate, 0.5);
      assert.equal(m.runs.sampled, 20);
      assert.ok(m.durationMs.p50 >= 0 && m.durationMs.p95 >= m.durationMs.p50);
      const step = (id: string) => m.steps.find((s: { stepId: string }) => s.stepId === id);
      assert.deepEqual(
        {
          executions: step('say').executions,
          failed: step('say').failed,
          failureRate: step('say').failureRate,
        },
        { executions: 20, failed: 0, failureRate: 0 },
      );
      assert.deepEqual(step('odd').outcomes, { then: 10, else: 10 });
      assert.equal(step('odd').neverChanges, undefined);
      assert.deepEqual(step('always').outcomes, { then: 10 });
      assert.match(
        step('always').neverChanges,
        /took "then" in all 10 runs: the condition has never changed the path/,
      );
      assert.deepEqual(
        {
          executions: step('boom').executions,
          failed: step('boom').failed,
          failureRate: step('boom').failureRate,
        },
        { executions: 10, failed: 10, failureRate: 1 },
      );
      assert.equal(step('done'), undefined, 'end steps are not measured');
      assert.deepEqual(m.timeSaved, { perRunMs: 15 * 60_000, runs: 10, totalMs: 150 * 60_000 });
    });

    it('measures how long people keep a playbook waiting', async () => {
      const m = (await h.as('viewer', { method: 'GET', url: '/api/v1/playbooks/ask_probe/metrics' })).json();
      assert.equal(m.waitingMs.tasks.count, 1);
      assert.ok(m.waitingMs.tasks.p50 >= 0);
      assert.equal(m.waitingMs.approvals.count, 0);
      assert.deepEqual(m.steps[0].outcomes, { done: 1 });
      assert.equal(m.timeSaved.totalMs, null);
    });

    it('sums analyst time saved over playbooks, on the overview and the dashboard', async () => {
      const overview = (
        await h.as('viewer', { method: 'GET', url: '/api/v1/playbook-metrics?window=7d' })
      ).json();
      assert.deepEqual(overview.items, [
        { playbookId: 'ask_probe', runs: 1, succeeded: 1, failed: 0, timeSavedMs: null },
        { playbookId: 'metric_probe', runs: 20, succeeded: 10, failed: 10, timeSavedMs: 150 * 60_000 },
      ]);
      assert.equal(overview.timeSavedMs, 150 * 60_000);
      const dashboard = (await h.as('viewer', { method: 'GET', url: '/api/v1/dashboard' })).json();
      assert.deepEqual(dashboard.timeSaved, { ms: 150 * 60_000, playbooks: 1, runs: 10 });
    });

    it('refuses a bad window and an unknown playbook', async () => {
      const bad = await h.as('viewer', {
        method: 'GET',
        url: '/api/v1/playbooks/metric_probe/metrics?window=1y',
      });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().path, '/window');
      const none = await h.as('viewer', { method: 'GET', url: '/api/v1/playbooks/nope/metrics' });
      assert.equal(none.statusCode, 404);
    });
  });
}
