import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExpressionScope } from '../core/playbook.ts';
import { Driver, types } from './test-driver.ts';
import {
  action,
  endStep,
  expressionError,
  failStep,
  ifStep,
  plan,
  setStep,
  switchStep,
} from './test-plans.ts';

type S = ExpressionScope;

describe('control flow', () => {
  it('if takes then on a truthy condition and else otherwise, without waiting', () => {
    const p = plan(
      [
        ifStep('check', (s: S) => s.inputs.bad, 'block', 'allow'),
        action('block', { next: null }),
        action('allow'),
      ],
      { inputs: { bad: { type: 'boolean', required: true } } },
    );
    assert.deepEqual(types(new Driver(p, { inputs: { bad: true } }).commands), ['execute_action:block']);
    const d = new Driver(p, { inputs: { bad: false } });
    assert.deepEqual(types(d.commands), ['execute_action:allow']);
    assert.deepEqual(d.step('check').output, { result: false });
    assert.equal(d.step('check').status, 'succeeded');
  });

  it('if with a null branch ends the block (and the run)', () => {
    const d = new Driver(plan([ifStep('check', () => false, 'a', null), action('a')]));
    assert.equal(d.state.status, 'succeeded');
    assert.equal(d.state.steps.a, undefined);
  });

  it('switch matches the value as text in order, else default', () => {
    const mk = (v: unknown) =>
      new Driver(
        plan([
          switchStep(
            'sev',
            () => v,
            [
              ['3', 'high'],
              ['low', 'low'],
            ],
            'other',
          ),
          action('high', { next: null }),
          action('low', { next: null }),
          action('other'),
        ]),
      );
    assert.deepEqual(types(mk(3).commands), ['execute_action:high']);
    assert.deepEqual(types(mk('low').commands), ['execute_action:low']);
    const d = mk('zzz');
    assert.deepEqual(types(d.commands), ['execute_action:other']);
    assert.deepEqual(d.step('sev').output, { value: 'zzz', matched: null });
  });

  it('set assigns vars, in order, visible to later steps', () => {
    const p = plan(
      [
        setStep('s', { a: 1, b: (s: S) => (s.vars.a as number) + 1 }),
        action('use', { with: (s: S) => ({ b: s.vars.b }) }),
      ],
      { outputs: { b: (s: S) => s.vars.b } },
    );
    const d = new Driver(p);
    assert.deepEqual(d.state.vars, { a: 1, b: 2 });
    assert.deepEqual((d.commands[0] as { input: unknown }).input, { b: 2 });
    d.complete('use');
    assert.deepEqual(d.state.outputs, { b: 2 });
  });

  it('a set whose value fails assigns nothing', () => {
    const d = new Driver(
      plan([
        setStep('s', {
          a: 1,
          b: () => {
            throw new Error('nope');
          },
        }),
      ]),
    );
    assert.deepEqual(d.state.vars, {});
    assert.equal(d.state.error?.kind, 'expression');
  });

  it('end succeeds the run at once and evaluates the outputs', () => {
    const d = new Driver(
      plan([setStep('s', { x: 5 }), endStep('stop'), action('never')], {
        outputs: { x: (s: S) => s.vars.x },
      }),
    );
    assert.equal(d.state.status, 'succeeded');
    assert.deepEqual(d.state.outputs, { x: 5 });
    assert.equal(d.state.steps.never, undefined);
    assert.equal(d.step('stop').status, 'succeeded');
    assert.deepEqual(types(d.commands), ['run_finished:succeeded']);
  });

  it('outputs that do not evaluate fail the run with an expression error', () => {
    const d = new Driver(
      plan([action('a')], {
        outputs: {
          x: () => {
            throw expressionError('bad output', 'steps.a.output.x');
          },
        },
      }),
    );
    d.complete('a');
    assert.equal(d.state.status, 'failed');
    assert.equal(d.state.error?.kind, 'expression');
    assert.equal(d.commands.at(-1)?.type, 'run_finished');
  });

  it('fail fails the run with its message', () => {
    const d = new Driver(
      plan([failStep('f', (s: S) => `bad ip ${String(s.inputs.ip)}`)], {
        inputs: { ip: { type: 'string', required: true } },
      }),
      {
        inputs: { ip: '1.2.3.4' },
      },
    );
    assert.equal(d.state.status, 'failed');
    assert.deepEqual(d.state.error, { kind: 'fail_step', message: 'bad ip 1.2.3.4' });
    assert.equal(d.step('f').status, 'failed');
  });

  it('continue_on_error records the failure and goes on to next', () => {
    const p = plan([
      action('a', { continueOnError: true }),
      ifStep('check', (s: S) => s.steps.a?.status === 'failed', 'fallback', null),
      action('fallback'),
    ]);
    const d = new Driver(p);
    d.failAction('a', { retryable: false });
    assert.equal(d.step('a').status, 'failed');
    assert.deepEqual(types(d.commands), ['execute_action:fallback']);
    assert.equal(d.state.status, 'running');
  });

  it('on_error goes to the given step', () => {
    const d = new Driver(
      plan([action('a', { onError: 'recover' }), action('b', { next: null }), action('recover')]),
    );
    d.failAction('a', { retryable: false });
    assert.deepEqual(types(d.commands), ['execute_action:recover']);
    assert.equal(d.state.steps.b, undefined);
  });

  it('on_error applies to failures of instant steps too (fail, if)', () => {
    const d = new Driver(plan([failStep('f', 'x', { onError: 'recover' }), action('recover')]));
    assert.deepEqual(types(d.commands), ['execute_action:recover']);
    const e = new Driver(
      plan([
        ifStep(
          'i',
          () => {
            throw new Error('bad');
          },
          null,
          null,
          { continueOnError: true },
        ),
        action('after'),
      ]),
    );
    assert.deepEqual(types(e.commands), ['execute_action:after']);
    assert.equal(e.step('i').error?.kind, 'expression');
  });

  it('an empty main succeeds at once', () => {
    const d = new Driver(plan([], { outputs: { k: 1 } }));
    assert.equal(d.state.status, 'succeeded');
    assert.deepEqual(d.commands, [
      { type: 'run_finished', status: 'succeeded', outputs: { k: 1 }, error: null },
    ]);
  });
});

describe('run inputs', () => {
  const p = plan([action('a', { with: (s: S) => s.inputs })], {
    inputs: {
      ip: { type: 'string', required: true },
      limit: { type: 'number', required: false, default: 10 },
      note: { type: 'string', required: false },
    },
  });

  it('applies defaults and passes inputs to expressions', () => {
    const d = new Driver(p, { inputs: { ip: '1.1.1.1' } });
    assert.deepEqual(d.state.inputs, { ip: '1.1.1.1', limit: 10 });
    assert.deepEqual((d.commands[0] as { input: unknown }).input, { ip: '1.1.1.1', limit: 10 });
  });

  it('fails the run at once on a missing required input', () => {
    const d = new Driver(p);
    assert.equal(d.state.status, 'failed');
    assert.deepEqual(d.state.error, { kind: 'input', message: 'missing required input ip', input: 'ip' });
    assert.deepEqual(types(d.commands), ['run_finished:failed']);
    assert.deepEqual(d.state.steps, {});
  });

  it('fails on a wrong type or an unknown input', () => {
    assert.match(
      new Driver(p, { inputs: { ip: 5 } }).state.error?.message ?? '',
      /input ip must be a string, got number/,
    );
    assert.match(
      new Driver(p, { inputs: { ip: 'x', iq: 1 } }).state.error?.message ?? '',
      /unknown input iq/,
    );
  });
});

describe('expression scope', () => {
  it('shows a step on the path not taken as pending without output', () => {
    const p = plan([ifStep('check', () => false, 'block', null), action('block')], {
      outputs: {
        blocked: (s: S) => s.steps.block?.output !== undefined,
        seen: (s: S) => s.steps.block?.status,
      },
    });
    const d = new Driver(p);
    assert.deepEqual(d.state.outputs, { blocked: false, seen: 'pending' });
  });
});
