import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Driver, types } from './test-driver.ts';
import {
  action,
  approval,
  endStep,
  forEach,
  parallel,
  plan,
  setStep,
  subPlaybook,
  task,
  waitStep,
} from './test-plans.ts';

describe('parallel', () => {
  const twoWay = (join: 'all' | 'any', common = {}) =>
    plan([parallel('p', [[action('a1'), action('a2')], [action('b1')]], join, common), action('after')]);

  it('starts every branch at once', () => {
    const d = new Driver(twoWay('all'));
    assert.deepEqual(types(d.commands), ['execute_action:a1', 'execute_action:b1']);
  });

  it('join all succeeds when every branch ends, output one object per branch', () => {
    const d = new Driver(twoWay('all'));
    d.complete('b1', 'B');
    d.complete('a1', 'A1');
    assert.deepEqual(types(d.commands), ['execute_action:a2']);
    d.complete('a2', 'A2');
    assert.deepEqual(d.step('p').output, [{ a1: 'A1', a2: 'A2' }, { b1: 'B' }]);
    assert.deepEqual(types(d.commands), ['execute_action:after']);
  });

  it('join all fails on the first branch failure, cancelling the others', () => {
    const d = new Driver(twoWay('all'));
    d.failAction('b1', { retryable: false });
    assert.deepEqual(types(d.commands), ['cancel_action:a1', 'run_finished:failed']);
    assert.equal(d.step('p').status, 'failed');
  });

  it('join any succeeds with the first branch to succeed and cancels the rest', () => {
    const p = plan([
      parallel(
        'p',
        [
          [action('a1'), action('a2')],
          [action('b1')],
          [task('t')],
          [subPlaybook('sub', 'child')],
          [waitStep('w', { mode: 'delay', delayMs: 1000 })],
        ],
        'any',
      ),
      action('after'),
    ]);
    const d = new Driver(p);
    assert.deepEqual(types(d.commands), [
      'execute_action:a1',
      'execute_action:b1',
      'open_task:t',
      'start_subrun:sub',
    ]);
    d.complete('b1', 'B');
    assert.deepEqual(types(d.commands), [
      'cancel_action:a1',
      'close_task:t',
      'cancel_subrun:sub',
      'execute_action:after',
    ]);
    assert.deepEqual(d.step('p').output, { branch: 1, steps: { b1: 'B' } });
    for (const k of ['a1', 't', 'sub', 'w']) assert.equal(d.step(k).status, 'cancelled', k);
    assert.equal(d.state.wakeAt, null, 'the cancelled delay left no timer');
    const late = d.state;
    assert.equal(d.complete('a1', 'late', 1).state, late, 'result for a cancelled step is ignored');
  });

  it('join any fails only when every branch failed', () => {
    const d = new Driver(twoWay('any'));
    d.failAction('a1', { retryable: false });
    assert.equal(d.state.status, 'running');
    assert.deepEqual(d.commands, []);
    d.failAction('b1', { retryable: false, message: 'last' });
    assert.equal(d.state.status, 'failed');
    assert.equal(d.state.error?.message, 'last');
  });

  it('join any still succeeds after one branch failed', () => {
    const d = new Driver(twoWay('any'));
    d.failAction('b1', { retryable: false });
    d.complete('a1');
    d.complete('a2', 'x');
    assert.deepEqual(d.step('p').output, { branch: 0, steps: { a1: { ok: 'a1' }, a2: 'x' } });
  });

  it('on_error of the parallel step absorbs a branch failure', () => {
    const d = new Driver(
      plan([parallel('p', [[action('a')], [action('b')]], 'all', { onError: 'recover' }), action('recover')]),
    );
    d.failAction('a', { retryable: false });
    assert.deepEqual(types(d.commands), ['cancel_action:b', 'execute_action:recover']);
  });

  it('branches that are instant finish in the same transition', () => {
    const d = new Driver(
      plan([parallel('p', [[setStep('x', { x: 1 })], [setStep('y', { y: 2 })]]), action('after')]),
    );
    assert.deepEqual(d.step('p').output, [{ x: { x: 1 } }, { y: { y: 2 } }]);
    assert.deepEqual(types(d.commands), ['execute_action:after']);
  });

  it('end inside a branch ends the run and cancels the sibling branches', () => {
    const d = new Driver(
      plan([parallel('p', [[approval('ok')], [action('a'), endStep('stop')]]), action('never')]),
    );
    d.complete('a');
    assert.equal(d.state.status, 'succeeded');
    assert.deepEqual(types(d.commands), ['close_task:ok', 'run_finished:succeeded']);
  });

  it('a parallel inside a loop keys branch steps by iteration', () => {
    const d = new Driver(
      plan([forEach('e', () => [1, 2], [parallel('p', [[action('a')], [action('b')]])], { concurrency: 2 })]),
    );
    assert.deepEqual(types(d.commands), [
      'execute_action:e[0].a',
      'execute_action:e[0].b',
      'execute_action:e[1].a',
      'execute_action:e[1].b',
    ]);
    for (const k of ['e[0].a', 'e[0].b', 'e[1].a', 'e[1].b']) d.complete(k, k);
    assert.equal(d.state.status, 'succeeded');
    assert.deepEqual(d.step('e').output, [
      { item: 1, steps: { p: [{ a: 'e[0].a' }, { b: 'e[0].b' }] } },
      { item: 2, steps: { p: [{ a: 'e[1].a' }, { b: 'e[1].b' }] } },
    ]);
  });
});
