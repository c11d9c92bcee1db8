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

test('task: choices with a default on expiry, or a form', () => {
  const plan = planOf(
    withSteps(`
    - id: ask
      task:
        title: Expected from \${{ alert.observables[0].value }}?
        assignee: { role: analyst }
        choices: [expected, malicious]
        on_expiry: { choose: expected }
        expires_in: 4h
        remind_every: 1h
    - id: form
      task:
        title: Describe
        description: Details please
        assignee: { user: alice }
        form:
          - { id: reason, label: Reason, type: text, required: true }
          - { id: impact, label: Impact, type: choice, options: [low, high] }
  `),
  );
  const ask = step(plan.steps, 'ask', 'task');
  assert.equal(ask.title.evaluate(scope), 'Expected from 10.0.0.1?');
  assert.deepEqual(ask.assignee, { role: 'analyst' });
  assert.deepEqual(ask.choices, ['expected', 'malicious']);
  assert.equal(ask.form, null);
  assert.deepEqual(ask.onExpiry, { outcome: 'choose', choice: 'expected' });
  assert.equal(ask.expiresInMs, 14_400_000);
  assert.equal(ask.remindEveryMs, 3_600_000);
  assert.equal(ask.description, null);
  const form = step(plan.steps, 'form', 'task');
  assert.equal(form.choices, null);
  assert.deepEqual(form.onExpiry, { outcome: 'fail' });
  assert.equal(form.expiresInMs, null);
  assert.equal(form.description?.evaluate(scope), 'Details please');
  assert.deepEqual(form.form, [
    { id: 'reason', label: 'Reason', type: 'text', required: true },
    { id: 'impact', label: 'Impact', type: 'choice', required: false, options: ['low', 'high'] },
  ]);
});

test('approval: defaults, escalation and on_deny', () => {
  const plan = planOf(
    withSteps(`
    - id: simple
      approval: { title: Go?, approvers: { role: manager }, expires_in: 1h }
    - id: strict
      approval:
        title: Block?
        approvers: { role: manager }
        quorum: 2
        separation_of_duties: false
        expires_in: 30m
        on_expiry: escalate
        escalate_to: { user: ciso }
        remind_every: 10m
      on_deny: denied
    - id: denied
      end: true
  `),
  );
  const simple = step(plan.steps, 'simple', 'approval');
  assert.equal(simple.quorum, 1);
  assert.equal(simple.separationOfDuties, true);
  assert.equal(simple.onExpiry, 'deny');
  assert.equal(simple.escalateTo, null);
  assert.equal(simple.onDeny, null);
  const strict = step(plan.steps, 'strict', 'approval');
  assert.equal(strict.quorum, 2);
  assert.equal(strict.separationOfDuties, false);
  assert.equal(strict.expiresInMs, 1_800_000);
  assert.equal(strict.onExpiry, 'escalate');
  assert.deepEqual(strict.escalateTo, { user: 'ciso' });
  assert.equal(strict.onDeny, 'denied');
  assert.equal(strict.next, 'denied');
});
