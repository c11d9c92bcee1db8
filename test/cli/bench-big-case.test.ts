import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../support/cli-io.ts';

/** The big-case benchmark end to end at a tiny scale: one case grows, every route it times answers. */
describe('riposte bench big-case', () => {
  it('grows one case step by step and times opening it at each step', async () => {
    const { code, stdout, stderr } = await runCli(['bench', 'big-case', '--alerts', '1000,2000']);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout);
    assert.equal(result.scenario, 'big-case');
    assert.deepEqual(
      result.steps.map((s: { alerts: number; caseAlerts: number }) => [s.alerts, s.caseAlerts]),
      [
        [1000, 1000],
        [2000, 2000],
      ],
    );
    for (const step of result.steps)
      for (const route of [
        'caseDetail',
        'timeline',
        'runsOfCase',
        'tasksOfCase',
        'observablesPage',
        'dashboard',
      ]) {
        assert.equal(step[route].ms.length, 3, route);
        assert.ok(step[route].bytes > 0, route);
      }
    // The detail carries a bounded page of the case's observables, whatever the case's size.
    assert.ok(result.steps[1].caseDetail.bytes < result.steps[0].caseDetail.bytes * 1.5);
  });

  it('refuses sizes that do not grow', async () => {
    const { code, stderr } = await runCli(['bench', 'big-case', '--alerts', '2000,1000']);
    assert.equal(code, 2);
    assert.match(stderr, /--alerts must be increasing multiples of 1000/);
  });
});
