import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Riposte } from '../../src/riposte.ts';
import { openAnotherProcess, openTaskOf, startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const APPROVE_THEN_ACT = `
id: approve_then_act
name: Approve, then act
triggers: { manual: true }
steps:
  - id: first
    uses: core.echo
    with:
      value: one
  - id: agree
    approval:
      title: Go ahead?
      approvers: { role: manager }
      expires_in: 1h
  - id: act
    uses: core.echo
    with:
      value: two
  - id: again
    approval:
      title: And again?
      approvers: { role: manager }
      expires_in: 1h
  - id: last
    uses: core.echo
    with:
      value: three
`;

const TWO_MANAGERS = `
id: two_managers
name: Two managers agree
triggers: { manual: true }
steps:
  - id: agree
    approval:
      title: Go ahead?
      approvers: { role: manager }
      quorum: 2
      expires_in: 1h
`;

/**
 * \`riposte serve --role api\` beside \`riposte worker\`: people decide in the API process, the worker
 * runs the playbooks. Here the worker is the harness and the API process a second Riposte on the same
 * database.
 */
for (const kind of databaseKinds()) {
  describe(`an API process beside a worker on ${kind}`, () => {
    let worker: Harness;
    let api: Riposte;
    before(async () => {
      worker = await startHarness(kind, {}, { worker: true });
      api = await openAnotherProcess(worker);
      for (const source of [APPROVE_THEN_ACT, TWO_MANAGERS]) {
        const saved = await worker.as('analyst', {
          method: 'POST',
          url: '/api/v1/playbooks',
          payload: { source },
        });
        assert.equal(saved.statusCode, 201, saved.body);
      }
    });
    after(async () => {
      await api.close();
      await worker.close();
    });

    const manager = (name: string) => ({
      name,
      role: 'manager' as const,
      actor: { id: name, type: 'user' as const },
    });

    it('runs the steps after each approval decided in the API process', async () => {
      // A decision there moves the run on, and the worker runs what comes next.
      const runId = (
        await api.runs.start({
          playbookId: 'approve_then_act',
          startedBy: 'ana',
          actor: { id: 'ana', type: 'user' },
        })
      ).id;
      for (let i = 0; i < 2; i++)
        await api.tasks.decideApproval(
          await openTaskOf(api, runId),
          { decision: 'approve', reason: 'yes' },
          manager('mona'),
        );
      const done = await worker.riposte.runs.settle(runId, 5000, { untilTerminal: true });
      assert.equal(done.status, 'succeeded', JSON.stringify(done.steps.map((s) => [s.key, s.status])));
    });

    it('counts both of two approvals given at the same moment in the two processes', async () => {
      // A partial approval writes only the task, so the two decisions must take turns.
      for (let round = 0; round < 5; round++) {
        const started = await worker.as('analyst', {
          method: 'POST',
          url: '/api/v1/runs',
          payload: { playbookId: 'two_managers' },
        });
        const runId = started.json().id as string;
        const taskId = await openTaskOf(worker.riposte, runId);
        await Promise.all([
          worker.riposte.tasks.decideApproval(
            taskId,
            { decision: 'approve', reason: 'yes' },
            manager('mona'),
          ),
          api.tasks.decideApproval(taskId, { decision: 'approve', reason: 'agreed' }, manager('max')),
        ]);
        const task = await worker.riposte.tasks.get(taskId);
        assert.deepEqual(task.decisions.map((d) => d.by).sort(), ['max', 'mona'], `round ${round}`);
        assert.equal(task.outcome, 'approved', `round ${round}`);
        const done = await worker.riposte.runs.settle(runId, 5000, { untilTerminal: true });
        assert.equal(done.status, 'succeeded', `round ${round}`);
      }
    });
  });
}
