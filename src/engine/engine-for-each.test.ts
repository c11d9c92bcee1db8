import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExpressionScope } from '../core/playbook.ts';
import { Driver, inputOf, types } from './test-driver.ts';
import { action, endStep, failStep, forEach, ifStep, plan, setStep } from './test-plans.ts';

type S = ExpressionScope;
const ips = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'];

const lookupLoop = (concurrency: number, extra: Parameters<typeof forEach>[3] = {}) =>
  plan([
    forEach('each_ip', () => ips, [action('lookup', { with: (s: S) => ({ ip: s.item, i: s.index }) })], {
      concurrency,
      ...extra,
    }),
    action('after', { with: (s: S) => ({ all: s.steps.each_ip?.output }) }),
  ]);

describe('for_each', () => {
  it('keeps exactly `concurrency` iterations in flight until the items run out', () => {
    const d = new Driver(lookupLoop(2));
    assert.deepEqual(types(d.commands), [
      'execute_action:each_ip[0].lookup',
      'execute_action:each_ip[1].lookup',
    ]);
    assert.deepEqual((d.commands[1] as { input: unknown }).input, { ip: '10.0.0.2', i: 1 });
    d.complete('each_ip[1].lookup');
    assert.deepEqual(types(d.commands), ['execute_action:each_ip[2].lookup']);
    assert.equal(d.outstanding().length, 2);
    d.complete('each_ip[0].lookup');
    d.complete('each_ip[2].lookup');
    assert.equal(d.outstanding().length, 2);
    d.complete('each_ip[3].lookup');
    assert.equal(d.outstanding().length, 1);
    d.complete('each_ip[4].lookup');
    assert.deepEqual(types(d.commands), ['execute_action:after']);
    assert.equal(d.step('each_ip').status, 'succeeded');
  });

  it('outputs one { item, steps } per item, in item order', () => {
    const d = new Driver(lookupLoop(5));
    for (const i of [4, 2, 0, 1, 3]) d.complete(`each_ip[${i}].lookup`, { n: i });
    const output = d.step('each_ip').output as { item: string; steps: { lookup: unknown } }[];
    assert.deepEqual(output[0], { item: '10.0.0.1', steps: { lookup: { n: 0 } } });
    assert.deepEqual(
      output.map((o) => o.steps.lookup),
      [0, 1, 2, 3, 4].map((n) => ({ n })),
    );
    assert.deepEqual((inputOf(d.commands[0]) as { all: unknown }).all, output);
  });

  it('an empty list succeeds at once with []', () => {
    const d = new Driver(plan([forEach('e', () => [], [action('x')]), action('after')]));
    assert.deepEqual(d.step('e').output, []);
    assert.deepEqual(types(d.commands), ['execute_action:after']);
  });

  it('fails with a bounds error past max_items, and an expression error on a non-list', () => {
    const d = new Driver(plan([forEach('e', () => ips, [action('x')], { maxItems: 3 })]));
    assert.deepEqual(d.state.error, {
      kind: 'bounds',
      message: 'for_each items has 5 items, more than max_items 3',
    });
    const e = new Driver(plan([forEach('e', () => 'nope', [action('x')])]));
    assert.equal(e.state.error?.kind, 'expression');
    assert.match(e.state.error?.message ?? '', /must be a list, got string/);
  });

  it('steps of the same iteration shadow: steps.<id> is this iteration’s instance', () => {
    const p = plan([
      forEach(
        'e',
        () => ['a', 'b'],
        [action('first'), action('second', { with: (s: S) => ({ prev: s.steps.first?.output }) })],
        {
          concurrency: 2,
        },
      ),
    ]);
    const d = new Driver(p);
    d.complete('e[1].first', 'from-b');
    assert.deepEqual(d.commands[0], { ...d.commands[0], stepKey: 'e[1].second', input: { prev: 'from-b' } });
    d.complete('e[0].first', 'from-a');
    assert.deepEqual((d.commands[0] as { input: unknown }).input, { prev: 'from-a' });
  });

  it('nested loops key their steps outer[i].inner[j].x and see both items', () => {
    const p = plan([
      forEach('outer', () => ['x', 'y'], [
        setStep('o', { v: (s: S) => s.item }),
        forEach(
          'inner',
          () => [1, 2],
          [action('leaf', { with: (s: S) => ({ inner: s.item, outer: s.steps.o?.output }) })],
          {
            concurrency: 2,
          },
        ),
      ]),
    ]);
    const d = new Driver(p);
    assert.deepEqual(types(d.commands), [
      'execute_action:outer[0].inner[0].leaf',
      'execute_action:outer[0].inner[1].leaf',
    ]);
    assert.deepEqual((d.commands[1] as { input: unknown }).input, { inner: 2, outer: { v: 'x' } });
    d.complete('outer[0].inner[0].leaf');
    d.complete('outer[0].inner[1].leaf');
    assert.deepEqual(types(d.commands), [
      'execute_action:outer[1].inner[0].leaf',
      'execute_action:outer[1].inner[1].leaf',
    ]);
    d.complete('outer[1].inner[0].leaf');
    d.complete('outer[1].inner[1].leaf');
    assert.equal(d.state.status, 'succeeded');
    const out = d.step('outer').output as { steps: { inner: { steps: unknown }[] } }[];
    assert.equal(out[1]?.steps.inner.length, 2);
  });

  it('a failing iteration fails the for_each, cancels the others, and fails the run', () => {
    const d = new Driver(lookupLoop(3));
    d.failAction('each_ip[1].lookup', { retryable: false, message: 'down' });
    assert.equal(d.step('each_ip').status, 'failed');
    assert.equal(d.state.status, 'failed');
    assert.equal(d.state.error?.message, 'down');
    assert.deepEqual(types(d.commands), [
      'cancel_action:each_ip[0].lookup',
      'cancel_action:each_ip[2].lookup',
      'run_finished:failed',
    ]);
    assert.equal(d.step('each_ip[0].lookup').status, 'cancelled');
  });

  it('continue_on_error on the for_each absorbs an iteration failure and goes on', () => {
    const d = new Driver(lookupLoop(2, { continueOnError: true }));
    d.failAction('each_ip[0].lookup', { retryable: false });
    assert.deepEqual(types(d.commands), ['cancel_action:each_ip[1].lookup', 'execute_action:after']);
    assert.equal(d.step('each_ip').status, 'failed');
    assert.equal(d.state.status, 'running');
    assert.equal(d.state.steps['each_ip[2].lookup'], undefined, 'no further iteration starts');
  });

  it('a failure handled inside the body does not fail the loop', () => {
    const p = plan([
      forEach('e', () => [1, 2], [action('x', { continueOnError: true })], { concurrency: 2 }),
    ]);
    const d = new Driver(p);
    d.failAction('e[0].x', { retryable: false });
    d.complete('e[1].x', 'ok');
    assert.equal(d.state.status, 'succeeded');
    assert.deepEqual(d.step('e').output, [
      { item: 1, steps: {} },
      { item: 2, steps: { x: 'ok' } },
    ]);
  });

  it('end inside an iteration succeeds the run and cancels the other iterations', () => {
    const p = plan([
      forEach(
        'e',
        () => [1, 2, 3],
        [action('x'), ifStep('found', (s: S) => s.steps.x?.output === 'hit', 'stop', null), endStep('stop')],
        {
          concurrency: 3,
        },
      ),
      action('never'),
    ]);
    const d = new Driver(p);
    d.complete('e[1].x', 'hit');
    assert.equal(d.state.status, 'succeeded');
    assert.deepEqual(types(d.commands), [
      'cancel_action:e[0].x',
      'cancel_action:e[2].x',
      'run_finished:succeeded',
    ]);
    assert.equal(d.step('e').status, 'cancelled');
    assert.equal(d.step('e[0].x').status, 'cancelled');
    assert.deepEqual(d.state.internal, { frames: {}, containers: {} });
  });

  it('a fail step in a body propagates like an action failure', () => {
    const d = new Driver(plan([forEach('e', () => [1], [failStep('f', 'stop here')])]));
    assert.deepEqual(d.state.error, { kind: 'fail_step', message: 'stop here' });
  });

  it('runs instant bodies in one transition', () => {
    const d = new Driver(
      plan([
        forEach('e', () => Array.from({ length: 200 }, (_, i) => i), [
          setStep('s', { last: (s: S) => s.item }),
        ]),
      ]),
    );
    assert.equal(d.state.status, 'succeeded');
    assert.equal(d.state.vars.last, 199);
    assert.equal((d.step('e').output as unknown[]).length, 200);
  });
});
