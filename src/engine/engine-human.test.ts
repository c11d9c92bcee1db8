import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExpressionScope } from '../core/playbook.ts';
import { Driver, T0, types } from './test-driver.ts';
import {
  action,
  approval,
  onEvent,
  parallel,
  plan,
  subPlaybook,
  task,
  tpl,
  until,
  waitStep,
} from './test-plans.ts';

type S = ExpressionScope;
const iso = (ms: number) => new Date(T0 + ms).toISOString();

describe('wait', () => {
  it('delay: waits until the timer, then goes on', () => {
    const d = new Driver(plan([waitStep('w', { mode: 'delay', delayMs: 60_000 }), action('after')]));
    assert.equal(d.state.status, 'waiting');
    assert.equal(d.state.wakeAt, iso(60_000));
    assert.deepEqual(d.commands, []);
    const early = d.state;
    assert.equal(d.tick(59_999).state, early, 'a timer that is not due changes nothing');
    d.tick(1);
    assert.equal(d.step('w').status, 'succeeded');
    assert.deepEqual(types(d.commands), ['execute_action:after']);
    assert.equal(d.state.wakeAt, null);
  });

  it('until: true at once goes straight on', () => {
    const d = new Driver(
      plan([
        waitStep(
          'w',
          until(() => true, 1000, 5000),
        ),
        action('after'),
      ]),
    );
    assert.deepEqual(types(d.commands), ['execute_action:after']);
  });

  it('until: polls with the fresh alert until the condition holds', () => {
    const d = new Driver(
      plan([
        waitStep(
          'w',
          until((s: S) => (s.alert as { closed: boolean }).closed, 1000, 10_000),
        ),
        action('after'),
      ]),
      {
        alert: { closed: false },
      },
    );
    assert.equal(d.step('w').timerAt, iso(1000));
    assert.equal(d.step('w').deadlineAt, iso(10_000));
    d.wake();
    assert.equal(d.step('w').timerAt, iso(2000));
    d.alert = { closed: true };
    d.wake();
    assert.equal(d.step('w').status, 'succeeded');
    assert.deepEqual(types(d.commands), ['execute_action:after']);
  });

  it('until: past the deadline fails with a timeout; the last poll lands on the deadline', () => {
    const d = new Driver(
      plan([
        waitStep(
          'w',
          until(() => false, 4000, 10_000),
        ),
      ]),
    );
    d.wake();
    d.wake();
    assert.equal(d.step('w').timerAt, iso(10_000));
    d.wake();
    assert.equal(d.state.status, 'failed');
    assert.equal(d.state.error?.kind, 'timeout');
  });

  it('event: succeeds with the payload of a matching event, ignores others', () => {
    const p = plan([
      waitStep(
        'w',
        onEvent('callback', (s: S) => (s.event as { id: number }).id === 7, 60_000),
      ),
      action('after', { with: (s: S) => ({ got: s.steps.w?.output }) }),
    ]);
    const d = new Driver(p);
    assert.equal(d.state.status, 'waiting');
    const before = d.state;
    assert.equal(d.send({ type: 'external_event', name: 'other', payload: { id: 7 } }).state, before);
    assert.equal(d.send({ type: 'external_event', name: 'callback', payload: { id: 1 } }).state, before);
    d.send({ type: 'external_event', name: 'callback', payload: { id: 7 } });
    assert.deepEqual(d.step('w').output, { id: 7 });
    assert.deepEqual((d.commands[0] as { input: unknown }).input, { got: { id: 7 } });
  });

  it('event: times out', () => {
    const d = new Driver(plan([waitStep('w', onEvent('callback', null, 5000))]));
    d.tick(5000);
    assert.deepEqual(d.state.error, {
      kind: 'timeout',
      message: 'no callback event arrived within 5000 ms',
      timeoutMs: 5000,
    });
  });
});

describe('task and approval', () => {
  it('opens a task with the evaluated title and expiry, and waits', () => {
    const d = new Driver(
      plan([task('triage', { title: tpl((s: S) => `Triage ${String(s.inputs.host)}`), expiresInMs: 1000 })], {
        inputs: { host: { type: 'string', required: true } },
      }),
      { inputs: { host: 'web-1' } },
    );
    assert.equal(d.commands.length, 1);
    const cmd = d.commands[0] as { type: string; spec: { title: string; expiresAt: string; kind: string } };
    assert.equal(cmd.type, 'open_task');
    assert.equal(cmd.spec.kind, 'task');
    assert.equal(cmd.spec.title, 'Triage web-1');
    assert.equal(cmd.spec.expiresAt, iso(1000));
    assert.equal(d.state.status, 'waiting');
    assert.equal(d.step('triage').status, 'waiting');
  });

  it('an answer becomes the output', () => {
    const d = new Driver(plan([task('t'), action('after')]));
    d.answer('t', 'answered', { choice: 'yes' });
    assert.deepEqual(d.step('t').output, { choice: 'yes' });
    assert.deepEqual(types(d.commands), ['execute_action:after']);
  });

  it('an expired task fails, or takes its default choice', () => {
    const failing = new Driver(plan([task('t')]));
    failing.answer('t', 'expired');
    assert.equal(failing.state.error?.kind, 'expired');
    const choosing = new Driver(plan([task('t', { onExpiry: { outcome: 'choose', choice: 'no' } })]));
    choosing.answer('t', 'expired');
    assert.equal(choosing.state.status, 'succeeded');
    assert.deepEqual(choosing.step('t').output, { choice: 'no' });
  });

  it('an approval approved goes on with { approved: true, by }', () => {
    const d = new Driver(plan([approval('ok'), action('isolate')]));
    const spec = (d.commands[0] as { spec: { kind: string } }).spec;
    assert.equal(spec.kind, 'approval');
    d.answer('ok', 'approved', null, ['bob']);
    assert.deepEqual(d.step('ok').output, { approved: true, by: ['bob'] });
    assert.deepEqual(types(d.commands), ['execute_action:isolate']);
  });

  it('a denial fails with `denied`, or goes to on_deny with { approved: false }', () => {
    const failing = new Driver(plan([approval('ok'), action('isolate')]));
    failing.answer('ok', 'denied', null, ['bob']);
    assert.deepEqual(failing.state.error, {
      kind: 'denied',
      message: 'approval ok was denied by bob',
      by: ['bob'],
    });
    const routed = new Driver(
      plan([approval('ok', { onDeny: 'notify' }), action('isolate', { next: null }), action('notify')]),
    );
    routed.answer('ok', 'denied', null, ['bob']);
    assert.equal(routed.step('ok').status, 'succeeded');
    assert.deepEqual(routed.step('ok').output, { approved: false, by: ['bob'] });
    assert.deepEqual(types(routed.commands), ['execute_action:notify']);
  });

  it('an expired approval fails with `expired`; outcomes that do not fit the kind are ignored', () => {
    const d = new Driver(plan([approval('ok')]));
    const before = d.state;
    assert.equal(d.answer('ok', 'answered').state, before);
    d.answer('ok', 'expired');
    assert.equal(d.state.error?.kind, 'expired');
    const t = new Driver(plan([task('t')]));
    assert.equal(t.answer('t', 'approved').state.status, 'waiting');
  });
});

describe('sub-playbook', () => {
  it('starts a child run with evaluated inputs; the run counts as running', () => {
    const d = new Driver(plan([subPlaybook('child', 'enrich_host', { host: 'h1' }), action('after')]));
    assert.deepEqual(d.commands, [
      { type: 'start_subrun', stepKey: 'child', playbookId: 'enrich_host', inputs: { host: 'h1' } },
    ]);
    assert.equal(d.step('child').status, 'waiting');
    assert.equal(d.state.status, 'running');
  });

  it('succeeded: output is the child outputs', () => {
    const d = new Driver(plan([subPlaybook('child', 'enrich_host'), action('after')]));
    d.send({
      type: 'subrun_finished',
      stepKey: 'child',
      runId: 'run_2',
      status: 'succeeded',
      outputs: { risk: 3 },
      error: null,
    });
    assert.deepEqual(d.step('child').output, { risk: 3 });
    assert.deepEqual(types(d.commands), ['execute_action:after']);
  });

  it('failed or cancelled: step failure of kind subrun', () => {
    const d = new Driver(plan([subPlaybook('child', 'enrich_host')]));
    d.send({
      type: 'subrun_finished',
      stepKey: 'child',
      runId: 'run_2',
      status: 'failed',
      outputs: {},
      error: { kind: 'fail_step', message: 'nope' },
    });
    assert.equal(d.state.error?.kind, 'subrun');
    assert.match(d.state.error?.message ?? '', /run_2\) failed: nope/);
  });

  it('its own timeout cancels the child run and fails the step', () => {
    const d = new Driver(plan([subPlaybook('child', 'enrich_host', {}, { timeoutMs: 1000 })]));
    d.tick(1000);
    assert.deepEqual(types(d.commands), ['cancel_subrun:child', 'run_finished:failed']);
    assert.equal(d.state.error?.kind, 'timeout');
  });
});

describe('timers', () => {
  it('wakeAt is the earliest timer; one timer_fired moves every due step', () => {
    const d = new Driver(
      plan([
        parallel('p', [
          [waitStep('short', { mode: 'delay', delayMs: 1000 })],
          [waitStep('mid', { mode: 'delay', delayMs: 2000 })],
          [waitStep('long', { mode: 'delay', delayMs: 5000 })],
        ]),
      ]),
    );
    assert.equal(d.state.wakeAt, iso(1000));
    d.tick(2500);
    assert.equal(d.step('short').status, 'succeeded');
    assert.equal(d.step('mid').status, 'succeeded');
    assert.equal(d.step('long').status, 'waiting');
    assert.equal(d.state.wakeAt, iso(5000));
    d.wake();
    assert.equal(d.state.status, 'succeeded');
    assert.equal(d.state.wakeAt, null);
  });
});
