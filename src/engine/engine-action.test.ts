import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Driver, T0, types } from './test-driver.ts';
import { action, expressionError, plan } from './test-plans.ts';

const iso = (ms: number) => new Date(T0 + ms).toISOString();

describe('action steps', () => {
  it('runs a chain: one execute_action at a time, outputs visible to the next step', () => {
    const p = plan(
      [
        action('a', { with: { ip: '10.0.0.1' } }),
        action('b', {
          with: (s: { steps: Record<string, { output?: unknown }> }) => ({ prev: s.steps.a?.output }),
        }),
      ],
      { outputs: { last: (s: { steps: Record<string, { output?: unknown }> }) => s.steps.b?.output } },
    );
    const d = new Driver(p);
    assert.deepEqual(d.commands, [
      {
        type: 'execute_action',
        stepKey: 'a',
        action: 'test.echo',
        effect: 'read',
        input: { ip: '10.0.0.1' },
        attempt: 1,
        idempotencyKey: 'run_1:a:1',
        timeoutMs: null,
      },
    ]);
    assert.equal(d.state.status, 'running');
    d.complete('a', { score: 7 });
    assert.deepEqual(types(d.commands), ['execute_action:b']);
    assert.deepEqual((d.commands[0] as { input: unknown }).input, { prev: { score: 7 } });
    d.complete('b', 'done');
    assert.equal(d.state.status, 'succeeded');
    assert.deepEqual(d.state.outputs, { last: 'done' });
    assert.deepEqual(d.commands, [
      { type: 'run_finished', status: 'succeeded', outputs: { last: 'done' }, error: null },
    ]);
    assert.equal(d.step('a').status, 'succeeded');
    assert.deepEqual(d.step('a').input, { ip: '10.0.0.1' });
  });

  it('passes the step timeout to the runner', () => {
    const d = new Driver(plan([action('a', { timeoutMs: 5000 })]));
    assert.equal((d.commands[0] as { timeoutMs: number }).timeoutMs, 5000);
  });

  it('an input that does not evaluate fails the step with an expression error carrying expression and shapes', () => {
    const p = plan([
      action('a', {
        with: () => {
          throw expressionError('no such key: ip', 'alert.ip', { alert: 'object' });
        },
      }),
    ]);
    const d = new Driver(p);
    assert.equal(d.state.status, 'failed');
    assert.deepEqual(d.state.error, {
      kind: 'expression',
      message: 'no such key: ip',
      expression: 'alert.ip',
      shapes: { alert: 'object' },
    });
    assert.equal(d.step('a').status, 'failed');
    assert.deepEqual(types(d.commands), ['run_finished:failed']);
  });

  it('retries a retryable failure after the backoff, then succeeds', () => {
    const d = new Driver(plan([action('a', { retry: { attempts: 3, backoffMs: 1000, factor: 2 } })]));
    d.failAction('a');
    assert.equal(d.step('a').status, 'retrying');
    assert.equal(d.step('a').timerAt, iso(1000));
    assert.equal(d.state.wakeAt, iso(1000));
    assert.equal(d.state.status, 'waiting');
    assert.deepEqual(d.commands, []);
    d.tick(999);
    assert.equal(d.step('a').status, 'retrying', 'not yet due');
    d.tick(1);
    assert.equal(d.step('a').attempt, 2);
    assert.equal(d.step('a').status, 'running');
    assert.equal(d.step('a').timerAt, undefined);
    assert.equal(d.state.wakeAt, null);
    assert.deepEqual(
      d.commands.map((c) => (c as { idempotencyKey: string }).idempotencyKey),
      ['run_1:a:2'],
    );
    d.failAction('a');
    assert.equal(d.step('a').timerAt, iso(1000 + 2000), 'backoff × factor');
    d.wake();
    d.complete('a', 'ok');
    assert.equal(d.state.status, 'succeeded');
    assert.equal(d.step('a').attempts?.length, 2);
    assert.equal(d.step('a').error, undefined);
  });

  it('caps the delay at maxDelayMs', () => {
    const d = new Driver(
      plan([action('a', { retry: { attempts: 5, backoffMs: 1000, factor: 10, maxDelayMs: 5000 } })]),
    );
    d.failAction('a');
    d.wake();
    d.failAction('a');
    assert.equal(Date.parse(d.step('a').timerAt!) - d.nowMs, 5000);
  });

  it('draws jitter from [delay/2, delay] with ctx.random', () => {
    const p = plan([action('a', { retry: { attempts: 2, backoffMs: 1000, jitter: true } })]);
    const low = new Driver(p, { random: () => 0 });
    low.failAction('a');
    assert.equal(low.step('a').timerAt, iso(500));
    const mid = new Driver(p, { random: () => 0.5 });
    mid.failAction('a');
    assert.equal(mid.step('a').timerAt, iso(750));
    const high = new Driver(p, { random: () => 0.9999 });
    high.failAction('a');
    assert.equal(high.step('a').timerAt, iso(1000));
  });

  it("uses the error's retryAfterMs instead of the policy", () => {
    const d = new Driver(plan([action('a', { retry: { attempts: 2, backoffMs: 1000 } })]));
    d.failAction('a', { retryAfterMs: 30_000 });
    assert.equal(d.step('a').timerAt, iso(30_000));
  });

  it('fails at once on a non-retryable failure, recording the attempt', () => {
    const d = new Driver(plan([action('a', { retry: { attempts: 5 } })]));
    d.failAction('a', { retryable: false, code: 'forbidden', message: 'HTTP 403' });
    assert.equal(d.state.status, 'failed');
    assert.equal(d.step('a').status, 'failed');
    assert.deepEqual(
      d.step('a').attempts?.map((a) => a.attempt),
      [1],
    );
    assert.equal(d.state.error?.message, 'HTTP 403');
    assert.deepEqual(types(d.commands), ['run_finished:failed']);
  });

  it('fails after the last attempt with every failed attempt recorded', () => {
    const d = new Driver(plan([action('a', { retry: { attempts: 3 } })]));
    d.failAction('a', { message: 'one' });
    d.wake();
    d.failAction('a', { message: 'two' });
    d.wake();
    d.failAction('a', { message: 'three' });
    assert.equal(d.state.status, 'failed');
    assert.deepEqual(
      d.step('a').attempts?.map((a) => [a.attempt, a.error.message]),
      [
        [1, 'one'],
        [2, 'two'],
        [3, 'three'],
      ],
    );
    assert.equal(d.step('a').error?.message, 'three');
  });

  it('retries a timeout reported by the runner like any retryable failure', () => {
    const d = new Driver(plan([action('a', { retry: { attempts: 2 }, timeoutMs: 100 })]));
    d.failAction('a', { kind: 'timeout', message: 'timed out', timeoutMs: 100 } as never);
    assert.equal(d.step('a').status, 'retrying');
  });

  it('does not retry without a retry policy', () => {
    const d = new Driver(plan([action('a')]));
    d.failAction('a');
    assert.equal(d.state.status, 'failed');
  });

  it('ignores a result for an old attempt, for an unknown step, or a duplicate', () => {
    const d = new Driver(plan([action('a', { retry: { attempts: 3 } }), action('b')]));
    d.failAction('a');
    const retrying = d.state;
    assert.equal(d.complete('a', 'late', 1).state, retrying, 'attempt 1 is over');
    d.wake();
    const before = d.state;
    assert.equal(d.complete('a', 'x', 1).state, before);
    assert.deepEqual(d.commands, []);
    assert.equal(d.complete('nope', 'x', 1).state, before);
    assert.equal(d.complete('b', 'x', 1).state, before, 'b has not started');
    d.complete('a', 'ok');
    const after = d.state;
    assert.equal(d.complete('a', 'again', 2).state, after, 'duplicate completion');
    assert.equal(d.state.seq, after.seq);
  });

  it('ignores malformed events without throwing', () => {
    const d = new Driver(plan([action('a')]));
    const before = d.state;
    for (const bad of [
      null,
      {},
      { type: 'nope' },
      { type: 'action_completed' },
      { type: 'task_completed', stepKey: 'a' },
    ])
      assert.equal(d.send(bad as never).state, before);
  });

  it('treats a malformed failure as an internal error instead of crashing', () => {
    const d = new Driver(plan([action('a')]));
    d.send({ type: 'action_failed', stepKey: 'a', attempt: 1, error: 'oops' as never });
    assert.equal(d.state.status, 'failed');
    assert.equal(d.state.error?.kind, 'internal');
  });
});
