import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ExpressionScope } from '../core/playbook.ts';
import {
  compileYaml,
  planOf,
  stepOf as step,
  withSteps,
} from '../../test/fixtures/playbooks/compile-fixture.ts';

const scope: ExpressionScope = {
  alert: { id: 'alert_1', observables: [{ type: 'ipv4', value: '10.0.0.1' }] },
  inputs: {},
  steps: {},
  vars: {},
  secrets: { vt_api_key: 'k' },
};

test('the complete example compiles, with defaults and the plan header', () => {
  const text = readFileSync(
    new URL('../../test/fixtures/playbooks/every-step.yaml', import.meta.url),
    'utf8',
  );
  const result = compileYaml(text);
  assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.errors));
  assert.equal(result.source, text);
  assert.deepEqual(result.warnings, []);
  const { plan } = result;
  assert.equal(plan.id, 'every_step');
  assert.equal(plan.order, 10);
  assert.deepEqual(plan.triggers.case, ['created', 'severity_changed', 'closed']);
  assert.deepEqual(plan.triggers.schedule, ['*/5 * * * *']);
  assert.equal(plan.triggers.manual, true);
  assert.equal(
    plan.triggers.alert?.source,
    'alert.severity == "high" && alert.observables.exists(o, o.type == "ipv4")',
  );
  assert.deepEqual(plan.inputs, {
    ip: { type: 'string', required: false, description: 'The address to look at' },
    limit: { type: 'number', required: false, default: 5 },
  });
  assert.deepEqual(plan.secrets, ['vt_api_key']);
  assert.equal(plan.main.entry, 'lookup');
  assert.equal(Object.keys(plan.steps).length, 19);
});

test('header defaults: description, order, enabled, no triggers, secrets collected from expressions', () => {
  const plan = planOf(
    withSteps(`
    - id: a
      uses: core.echo
      with: { value: '\${{ secrets.token }}' }
  `),
  );
  assert.equal(plan.description, '');
  assert.equal(plan.order, 100);
  assert.equal(plan.enabled, true);
  assert.deepEqual(plan.triggers, { alert: null, case: [], schedule: [], manual: false });
  assert.deepEqual(plan.secrets, ['token']);
  assert.equal(step(plan.steps, 'a', 'action').with.readsSecrets, true);
});

test('next: explicit, the following step, or null at the end of the block', () => {
  const plan = planOf(
    withSteps(`
    - id: a
      uses: core.echo
      next: c
    - id: b
      uses: core.echo
    - id: c
      uses: core.echo
  `),
  );
  assert.equal(plan.steps['a']?.next, 'c');
  assert.equal(plan.steps['b']?.next, 'c');
  assert.equal(plan.steps['c']?.next, null);
  assert.deepEqual(plan.main, { id: 'main', entry: 'a', steps: ['a', 'b', 'c'] });
});

test('action steps: effect from the catalogue, its retry and timeout unless the step sets them', () => {
  const plan = planOf(
    withSteps(`
    - id: a
      uses: test.lookup
      with: { ip: 1.2.3.4 }
    - id: b
      uses: test.lookup
      with: { ip: 1.2.3.4 }
      retry: { attempts: 5 }
      timeout: 2m
      on_error: c
      continue_on_error: true
    - id: c
      uses: test.block
      with: { ip: 1.2.3.4 }
  `),
  );
  const a = step(plan.steps, 'a', 'action');
  assert.equal(a.effect, 'read');
  assert.deepEqual(a.retry, { attempts: 3, backoffMs: 1_000, factor: 2, maxDelayMs: 60_000, jitter: true });
  assert.equal(a.timeoutMs, 30_000);
  assert.deepEqual(a.with.evaluate(scope), { ip: '1.2.3.4' });
  const b = step(plan.steps, 'b', 'action');
  assert.deepEqual(b.retry, { attempts: 5, backoffMs: 1_000, factor: 2, maxDelayMs: 300_000, jitter: true });
  assert.equal(b.timeoutMs, 120_000);
  assert.equal(b.onError, 'c');
  assert.equal(b.continueOnError, true);
  assert.equal(step(plan.steps, 'c', 'action').effect, 'destructive');
  assert.deepEqual(b.position, { line: 7, column: 3 });
});

test('if: then/else default to the following step; at the block end, null', () => {
  const plan = planOf(
    withSteps(`
    - id: check
      if: \${{ alert.id == "alert_1" }}
      else: last
    - id: middle
      uses: core.echo
    - id: last
      if: true
  `),
  );
  const check = step(plan.steps, 'check', 'if');
  assert.equal(check.then, 'middle');
  assert.equal(check.else, 'last');
  assert.equal(check.condition.evaluate(scope), true);
  const last = step(plan.steps, 'last', 'if');
  assert.equal(last.then, null);
  assert.equal(last.else, null);
  assert.equal(last.condition.evaluate(scope), true);
});

test('switch: cases in order, default falls through', () => {
  const plan = planOf(
    withSteps(`
    - id: route
      switch: \${{ alert.category }}
      cases: { malware: a, 2: b }
    - id: a
      end: true
    - id: b
      end: true
  `),
  );
  const route = step(plan.steps, 'route', 'switch');
  assert.deepEqual(route.cases, [
    { match: 'malware', next: 'a' },
    { match: '2', next: 'b' },
  ]);
  assert.equal(route.default, 'a');
  assert.equal(step(plan.steps, 'a', 'end').next, null);
});

test('for_each: a nested block with item and index in scope, defaults for concurrency and max_items', () => {
  const plan = planOf(
    withSteps(`
    - id: each
      for_each: \${{ alert.observables }}
      do:
        - id: inner
          uses: core.echo
          with: { value: '\${{ index }}: \${{ item.value }}' }
        - id: inner_two
          uses: core.echo
    - id: after
      end: true
  `),
  );
  const each = step(plan.steps, 'each', 'for_each');
  assert.equal(each.concurrency, 1);
  assert.equal(each.maxItems, 1000);
  assert.equal(each.next, 'after');
  assert.deepEqual(each.body, { id: 'each.do', entry: 'inner', steps: ['inner', 'inner_two'] });
  const inner = step(plan.steps, 'inner', 'action');
  assert.equal(inner.block, 'each.do');
  assert.equal(inner.next, 'inner_two');
  assert.equal(plan.steps['inner_two']?.next, null);
  assert.deepEqual(inner.with.evaluate({ ...scope, item: { value: 'x' }, index: 0 }), { value: '0: x' });
  assert.deepEqual(each.items.evaluate(scope), [{ type: 'ipv4', value: '10.0.0.1' }]);
});

test('parallel: one block per branch, join defaults to all', () => {
  const plan = planOf(
    withSteps(`
    - id: both
      parallel:
        - - id: a
            uses: core.echo
          - id: a2
            uses: core.echo
        - - id: b
            uses: core.echo
  `),
  );
  const both = step(plan.steps, 'both', 'parallel');
  assert.equal(both.join, 'all');
  assert.deepEqual(both.branches, [
    { id: 'both.0', entry: 'a', steps: ['a', 'a2'] },
    { id: 'both.1', entry: 'b', steps: ['b'] },
  ]);
  assert.equal(plan.steps['a']?.block, 'both.0');
  assert.equal(plan.steps['a2']?.next, null);
});

test('playbook, set, end and fail steps', () => {
  const plan = planOf(
    withSteps(`
    - id: sub
      playbook: other
      with: { ip: '\${{ alert.observables[0].value }}' }
    - id: remember
      set: { seen: '\${{ 1 + 1 }}', label: fixed }
    - id: bail
      fail: Could not enrich \${{ alert.id }}
  `),
  );
  const sub = step(plan.steps, 'sub', 'playbook');
  assert.equal(sub.playbook, 'other');
  assert.deepEqual(sub.with.evaluate(scope), { ip: '10.0.0.1' });
  const remember = step(plan.steps, 'remember', 'set');
  assert.equal(remember.values['seen']?.evaluate(scope), 2);
  assert.equal(remember.values['label']?.evaluate(scope), 'fixed');
  const bail = step(plan.steps, 'bail', 'fail');
  assert.equal(bail.message.evaluate(scope), 'Could not enrich alert_1');
  assert.equal(bail.next, null);
});

test('outputs evaluate against the run scope', () => {
  const plan = planOf(
    `id: p\nname: P\noutputs:\n  first: \${{ alert.observables[0].value }}\n  fixed: [1, 2]\nsteps:\n- id: a\n  end: true\n`,
  );
  assert.equal(plan.outputs['first']?.evaluate(scope), '10.0.0.1');
  assert.deepEqual(plan.outputs['fixed']?.evaluate(scope), [1, 2]);
});
