import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExpressionScope } from '../core/playbook.ts';
import { advance, describeRun, resumeCommands, startRun } from './engine.ts';
import { deepFreeze, Driver, inputOf, seeded, T0, types } from './test-driver.ts';
import {
  action,
  approval,
  forEach,
  parallel,
  plan,
  setStep,
  subPlaybook,
  task,
  waitStep,
} from './test-plans.ts';

type S = ExpressionScope;

describe('cancel', () => {
  it('cancels every active step with the matching commands, then finishes', () => {
    const p = plan([
      parallel('p', [
        [action('a')],
        [task('t')],
        [subPlaybook('sub', 'child')],
        [waitStep('w', { mode: 'delay', delayMs: 10 })],
      ]),
    ]);
    const d = new Driver(p);
    d.send({ type: 'cancel', by: 'alice', reason: 'false positive' });
    assert.equal(d.state.status, 'cancelled');
    assert.deepEqual(types(d.commands), [
      'cancel_action:a',
      'close_task:t',
      'cancel_subrun:sub',
      'run_finished:cancelled',
    ]);
    assert.deepEqual(d.state.error, { kind: 'cancelled', message: 'cancelled by alice: false positive' });
    for (const k of ['p', 'a', 't', 'sub', 'w']) assert.equal(d.step(k).status, 'cancelled', k);
    assert.equal(d.state.wakeAt, null);
    assert.notEqual(d.state.finishedAt, null);
  });

  it('a retrying action has nothing in flight: no cancel_action', () => {
    const d = new Driver(plan([action('a', { retry: { attempts: 3 } })]));
    d.failAction('a');
    d.send({ type: 'cancel', by: 'bob', reason: 'x' });
    assert.deepEqual(types(d.commands), ['run_finished:cancelled']);
  });

  it('any event on a finished run is ignored', () => {
    const d = new Driver(plan([action('a')]));
    d.send({ type: 'cancel', by: 'bob', reason: 'x' });
    const done = d.state;
    for (const e of [
      { type: 'cancel', by: 'bob', reason: 'again' },
      { type: 'action_completed', stepKey: 'a', attempt: 1, output: 1 },
      { type: 'timer_fired' },
      { type: 'retry', by: 'bob' },
    ] as const) {
      const t = d.send(e);
      assert.equal(t.state, done);
      assert.deepEqual(t.commands, []);
    }
  });
});

describe('retry of a failed run', () => {
  it('reopens the failed step with a fresh budget and distinct idempotency keys; succeeded steps keep outputs', () => {
    const d = new Driver(plan([action('a'), action('b', { retry: { attempts: 2 } }), action('c')]));
    d.complete('a', 'A');
    d.failAction('b');
    d.wake();
    d.failAction('b', { message: 'still down' });
    assert.equal(d.state.status, 'failed');
    d.send({ type: 'retry', by: 'alice' });
    assert.equal(d.state.status, 'running');
    assert.equal(d.state.error, null);
    assert.equal(d.state.finishedAt, null);
    assert.deepEqual(types(d.commands), ['execute_action:b']);
    assert.equal((d.commands[0] as { idempotencyKey: string }).idempotencyKey, 'run_1:b:3');
    assert.equal(d.step('a').output, 'A');
    d.failAction('b');
    assert.equal(d.step('b').status, 'retrying', 'the budget restarted');
    d.wake();
    d.complete('b');
    d.complete('c');
    assert.equal(d.state.status, 'succeeded');
    assert.equal(d.step('b').attempts?.length, 3);
  });

  it('inside a loop: the failed iteration and the cancelled ones resume, finished ones stay', () => {
    const d = new Driver(
      plan([forEach('e', () => [1, 2, 3, 4], [action('x')], { concurrency: 3 }), action('after')]),
    );
    d.complete('e[0].x', 'zero');
    assert.deepEqual(types(d.commands), ['execute_action:e[3].x']);
    d.failAction('e[2].x', { retryable: false });
    assert.equal(d.state.status, 'failed');
    assert.equal(d.step('e[1].x').status, 'cancelled');
    d.send({ type: 'retry', by: 'alice' });
    assert.deepEqual(types(d.commands), [
      'execute_action:e[1].x',
      'execute_action:e[2].x',
      'execute_action:e[3].x',
    ]);
    assert.equal(d.step('e').status, 'running');
    assert.equal(d.step('e[0].x').attempt, 1, 'a finished iteration is not run again');
    for (const k of ['e[1].x', 'e[2].x']) d.complete(k, k);
    assert.deepEqual(d.commands, []);
    d.complete('e[3].x', 'three');
    assert.deepEqual(types(d.commands), ['execute_action:after']);
    assert.deepEqual(
      (d.step('e').output as { steps: { x: unknown } }[]).map((o) => o.steps.x),
      ['zero', 'e[1].x', 'e[2].x', 'three'],
    );
  });

  it('join any: every failed branch is reopened', () => {
    const d = new Driver(plan([parallel('p', [[action('a')], [action('b')]], 'any')]));
    d.failAction('a', { retryable: false });
    d.failAction('b', { retryable: false });
    assert.equal(d.state.status, 'failed');
    d.send({ type: 'retry', by: 'alice' });
    assert.deepEqual(types(d.commands), ['execute_action:a', 'execute_action:b']);
    d.complete('b', 'B');
    assert.equal(d.state.status, 'succeeded');
  });

  it('is ignored on a run that has not failed, or failed before any step', () => {
    const d = new Driver(plan([action('a')]));
    const before = d.state;
    assert.equal(d.send({ type: 'retry', by: 'x' }).state, before);
    const noInputs = new Driver(plan([action('a')], { inputs: { x: { type: 'string', required: true } } }));
    const failed = noInputs.state;
    assert.equal(noInputs.send({ type: 'retry', by: 'x' }).state, failed);
  });
});

describe('recovery: resumeCommands', () => {
  it('re-issues in-flight actions with the same idempotency key and the real input', () => {
    const d = new Driver(
      plan([
        parallel('p', [
          [action('a', { with: (s: S) => ({ key: s.secrets.api }) })],
          [task('t')],
          [subPlaybook('sub', 'c')],
          [action('r', { retry: { attempts: 2 } })],
        ]),
      ]),
      { secrets: { api: 'sekret-123' } },
    );
    d.failAction('r');
    const stored = JSON.parse(JSON.stringify(d.state));
    const resumed = resumeCommands(d.plan, stored, d.ctx());
    assert.deepEqual(resumed, [d.log[0]]);
    assert.deepEqual(resumed[0], {
      type: 'execute_action',
      stepKey: 'a',
      action: 'test.echo',
      effect: 'read',
      input: { key: 'sekret-123' },
      attempt: 1,
      idempotencyKey: 'run_1:a:1',
      timeoutMs: null,
    });
  });

  it('re-issues each concurrent loop iteration, and nothing for waits, tasks or finished runs', () => {
    const d = new Driver(plan([forEach('e', () => [1, 2, 3], [action('x')], { concurrency: 2 })]));
    d.complete('e[0].x');
    assert.deepEqual(
      d.resume().map((c) => (c as { idempotencyKey: string }).idempotencyKey),
      ['run_1:e[1].x:1', 'run_1:e[2].x:1'],
    );
    for (const p of [plan([approval('ok')]), plan([waitStep('w', { mode: 'delay', delayMs: 5 })])])
      assert.deepEqual(new Driver(p).resume(), []);
    d.send({ type: 'cancel', by: 'x', reason: 'y' });
    assert.deepEqual(d.resume(), []);
  });

  it('after a retry attempt started, re-issues that attempt', () => {
    const d = new Driver(plan([action('a', { retry: { attempts: 3 } })]));
    d.failAction('a');
    assert.deepEqual(d.resume(), [], 'in backoff: the timer is durable');
    d.wake();
    assert.deepEqual(d.resume(), d.commands);
  });
});

describe('purity', () => {
  const p = plan([
    setStep('s', { n: 1 }),
    forEach('e', () => [1, 2], [action('x', { retry: { attempts: 2, jitter: true } })], { concurrency: 2 }),
    parallel('p', [[action('a')], [task('t')]], 'any'),
  ]);

  it('never mutates the input state (deep-frozen)', () => {
    const d = new Driver(p);
    const events = [
      () => d.failAction('e[0].x'),
      () => d.complete('e[1].x'),
      () => d.wake(),
      () => d.complete('e[0].x'),
      () => d.complete('a'),
    ];
    for (const step of events) {
      deepFreeze(d.state);
      const snapshot = JSON.stringify(d.state);
      const before = d.state;
      step();
      assert.equal(JSON.stringify(before), snapshot);
      assert.notEqual(d.state.error?.kind, 'internal', d.state.error?.message);
    }
    assert.equal(d.state.status, 'succeeded');
  });

  it('is deterministic: the same inputs give the same transition', () => {
    const ctx = { now: new Date(T0).toISOString(), secrets: {}, random: seeded(9) };
    const a = startRun(p, { runId: 'r', playbookVersion: 1, inputs: {} }, { ...ctx, random: seeded(9) });
    const b = startRun(p, { runId: 'r', playbookVersion: 1, inputs: {} }, { ...ctx, random: seeded(9) });
    assert.deepEqual(a, b);
    const event = {
      type: 'action_failed',
      stepKey: 'e[0].x',
      attempt: 1,
      error: { kind: 'action', code: 'x', message: 'x', retryable: true },
    } as const;
    const a2 = advance(p, a.state, event, { ...ctx, random: seeded(3) });
    const b2 = advance(p, JSON.parse(JSON.stringify(b.state)), event, { ...ctx, random: seeded(3) });
    assert.deepEqual(JSON.parse(JSON.stringify(a2)), JSON.parse(JSON.stringify(b2)));
  });

  it('survives a JSON round trip of the state between every event', () => {
    const d = new Driver(p);
    const roundTrip = () => (d.state = JSON.parse(JSON.stringify(d.state)));
    roundTrip();
    d.complete('e[0].x');
    roundTrip();
    d.complete('e[1].x');
    roundTrip();
    d.answer('t', 'answered', { choice: 'yes' });
    assert.equal(d.state.status, 'succeeded');
    assert.equal(d.step('a').status, 'cancelled');
  });

  it('bounds internal progress: a plan with a cycle fails with a bounds error instead of spinning', () => {
    const d = new Driver(plan([setStep('a', { x: 1 }), setStep('b', { y: 2 }, { next: 'a' })]));
    assert.equal(d.state.status, 'failed');
    assert.equal(d.state.error?.kind, 'bounds');
  });
});

describe('secrets', () => {
  it('reach the command but appear nowhere in the stored state', () => {
    const secret = 'tok-XYZ-987';
    const p = plan(
      [
        action('call', {
          with: (s: S) => ({ auth: `Bearer ${s.secrets.token}`, host: 'h' }),
          readsSecrets: true,
        }),
        setStep('keep', { leaked: (s: S) => s.secrets.token }),
        action('fails'),
      ],
      { outputs: { echo: (s: S) => s.steps.call?.output } },
    );
    const d = new Driver(p, { secrets: { token: secret } });
    assert.equal((inputOf(d.commands[0]) as { auth: string }).auth, `Bearer ${secret}`);
    d.complete('call', { echoed: `auth was ${secret}`, [secret]: 1 });
    d.failAction('fails', { retryable: false, message: `401 for ${secret}` });
    const json = JSON.stringify(d.state) + JSON.stringify(d.commands);
    assert.ok(!json.includes(secret), json);
    assert.deepEqual(d.step('call').input, { auth: 'Bearer ***', host: 'h' });
    assert.equal(d.state.vars.leaked, '***');
    assert.equal(d.state.error?.message, '401 for ***');
  });
});

describe('run status and describeRun', () => {
  it('is waiting when only people and timers are pending, running while an action is', () => {
    const d = new Driver(plan([parallel('p', [[approval('ok')], [action('a')]])]));
    assert.equal(d.state.status, 'running');
    d.complete('a');
    assert.equal(d.state.status, 'waiting');
    assert.equal(d.state.seq, 2);
  });

  it('lists steps in plan order with loop iterations', () => {
    const d = new Driver(
      plan([action('first'), forEach('e', () => [1, 2], [action('x')], { concurrency: 2 }), action('last')]),
    );
    d.complete('first');
    const rows = describeRun(d.plan, d.state).map((r) => `${r.key}:${r.status}:${r.depth}`);
    assert.deepEqual(rows, [
      'first:succeeded:0',
      'e:running:0',
      'e[0].x:running:1',
      'e[1].x:running:1',
      'last:pending:0',
    ]);
  });
});
