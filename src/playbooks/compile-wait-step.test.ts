import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExpressionScope } from '../core/playbook.ts';
import { planOf, stepOf as step, withSteps } from '../../test/fixtures/playbooks/compile-fixture.ts';

const scope: ExpressionScope = {
  alert: { id: 'alert_1', observables: [{ type: 'ipv4', value: '10.0.0.1' }] },
  inputs: {},
  steps: {},
  vars: {},
  secrets: {},
};

test('wait: delay, until (default poll) and event', () => {
  const plan = planOf(
    withSteps(`
    - id: a
      wait: { delay: 10m }
    - id: b
      wait: { until: '\${{ vars.done == true }}', timeout: 1h }
    - id: c
      wait: { event: edr.isolated, match: '\${{ event.host == "h" }}', timeout: 2h }
    - id: d
      wait: { event: plain, timeout: 5m }
  `),
  );
  assert.deepEqual(step(plan.steps, 'a', 'wait').wait, { mode: 'delay', delayMs: 600_000 });
  const b = step(plan.steps, 'b', 'wait').wait;
  assert.ok(b.mode === 'until');
  assert.equal(b.pollMs, 30_000);
  assert.equal(b.timeoutMs, 3_600_000);
  const c = step(plan.steps, 'c', 'wait').wait;
  assert.ok(c.mode === 'event');
  assert.equal(c.name, 'edr.isolated');
  assert.equal(c.match?.evaluate({ ...scope, event: { host: 'h' } }), true);
  const d = step(plan.steps, 'd', 'wait').wait;
  assert.ok(d.mode === 'event' && d.match === null);
});
