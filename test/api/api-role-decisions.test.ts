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

/**
 * \`riposte serve --role api\` beside \`riposte worker\`: people decide in the API process, the worker runs
 * the playbooks. A decision taken in the API process moves the run on, and the worker runs what
 * comes next.
 */
for (const kind of databaseKinds()) {
  if (kind !== 'postgres') continue;
  describe(`decisions in an API process beside a worker on ${kind}`, () => {
    let worker: Harness;
    let api: Riposte;
    before(async () => {
      worker = await startHarness(kind, {}, { worker: true });
      api = await openAnotherProcess(worker);
      const saved = await worker.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks',
        payload: { source: APPROVE_THEN_ACT },
      });
      assert.equal(saved.statusCode, 201, saved.body);
    });
    after(async () => {
      await api.close();
      await worker.close();
    });

    const manager = { name: 'mona', role: 'manager' as const, actor: { id: 'mona', type: 'user' as const } };
    const openTask = (runId: string) => openTaskOf(api, runId);

    it('runs the steps after each approval', async () => {
      const runId = (
        await api.runs.start({
          playbookId: 'approve_then_act',
          startedBy: 'ana',
          actor: { id: 'ana', type: 'user' },
        })
      ).id;
      await api.tasks.decideApproval(await openTask(runId), { decision: 'approve', reason: 'yes' }, manager);
      await api.tasks.decideApproval(await openTask(runId), { decision: 'approve', reason: 'yes' }, manager);
      const done = await worker.riposte.runs.settle(runId, 5000, { untilTerminal: true });
      assert.equal(done.status, 'succeeded', JSON.stringify(done.steps.map((s) => [s.key, s.status])));
    });
  });
}
