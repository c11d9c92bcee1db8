import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Riposte } from '../../src/riposte.ts';
import { openAnotherProcess, openTaskOf, startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

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
 * Two managers approve one approval at the same moment, each through another API process: both
 * approvals count (a partial approval writes only the task, so the two decisions must take turns).
 */
for (const kind of databaseKinds()) {
  describe(`approval quorum under simultaneous decisions on ${kind}`, () => {
    let h: Harness;
    let second: Riposte;
    before(async () => {
      h = await startHarness(kind, {}, { worker: true });
      // Another API process on the same database (no worker: the first one runs the playbooks).
      second = await openAnotherProcess(h);
      const saved = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks',
        payload: { source: TWO_MANAGERS },
      });
      assert.equal(saved.statusCode, 201, saved.body);
    });
    after(async () => {
      await second.close();
      await h.close();
    });

    const manager = (name: string) => ({
      name,
      role: 'manager' as const,
      actor: { id: name, type: 'user' as const },
    });

    it('counts both approvals and lets the run go on', async () => {
      for (let round = 0; round < 5; round++) {
        const started = await h.as('analyst', {
          method: 'POST',
          url: '/api/v1/runs',
          payload: { playbookId: 'two_managers' },
        });
        const runId = started.json().id as string;
        const taskId = await openTaskOf(h.riposte, runId);
        await Promise.all([
          h.riposte.tasks.decideApproval(taskId, { decision: 'approve', reason: 'yes' }, manager('mona')),
          second.tasks.decideApproval(taskId, { decision: 'approve', reason: 'agreed' }, manager('max')),
        ]);
        const task = await h.riposte.tasks.get(taskId);
        assert.deepEqual(task.decisions.map((d) => d.by).sort(), ['max', 'mona'], `round ${round}`);
        assert.equal(task.outcome, 'approved', `round ${round}`);
        const done = await h.riposte.runs.settle(runId, 5000, { untilTerminal: true });
        assert.equal(done.status, 'succeeded', `round ${round}`);
      }
    });
  });
}
