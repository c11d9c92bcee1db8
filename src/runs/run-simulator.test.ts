import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActionRegistry } from '../actions/action-registry.ts';
import type { PlaybookPlan } from '../core/playbook.ts';
import { compilePlaybook, formatIssues } from '../playbooks/compile-playbook.ts';
import { stubAction } from './golden-tests.ts';
import { simulate, SimulationError, type ActionResult, type ExecuteActionCommand } from './run-simulator.ts';

const catalog = new ActionRegistry([
  stubAction('intel.lookup_ip', 'read'),
  stubAction('firewall.block_ip', 'destructive'),
  stubAction('chat.post', 'write'),
]);

function compile(yaml: string): PlaybookPlan {
  const result = compilePlaybook(yaml, { file: 'test.yaml', catalog });
  if (!result.ok) throw new Error(formatIssues(result.errors));
  return result.plan;
}

/** Answers every action with its input, and remembers the calls. */
function echo(calls: ExecuteActionCommand[] = []) {
  return (command: ExecuteActionCommand): ActionResult => {
    calls.push(command);
    return { output: command.input };
  };
}

describe('run simulator', () => {
  it('retries a failing action with its backoff on the virtual clock, at once', async () => {
    const plan = compile(`
id: flaky
name: Flaky
steps:
  - id: lookup
    uses: intel.lookup_ip
    with: { ip: 192.0.2.1 }
    retry: { attempts: 3, backoff: 10m, factor: 2, max_delay: 1h, jitter: false }
`);
    const started = Date.now();
    const run = await simulate(plan, {
      actions: (command) =>
        command.attempt < 3
          ? { error: { kind: 'action', code: 'busy', message: '503', retryable: true } }
          : { output: { score: 5 } },
    });
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(
      run.actions.map((a) => [a.step, a.attempt, 'error' in a.result]),
      [
        ['lookup', 1, true],
        ['lookup', 2, true],
        ['lookup', 3, false],
      ],
    );
    assert.equal(run.elapsedMs, 30 * 60_000, '10 minutes, then 20');
    assert.ok(Date.now() - started < 5_000, 'no real waiting');
  });

  it('a non-retryable failure fails the run with the action error', async () => {
    const plan = compile(`
id: once
name: Once
steps:
  - id: lookup
    uses: intel.lookup_ip
    with: { ip: 192.0.2.1 }
    retry: { attempts: 5 }
  - id: after
    uses: chat.post
`);
    const run = await simulate(plan, {
      actions: () => ({ error: { kind: 'action', code: 'denied', message: 'bad key', retryable: false } }),
    });
    assert.equal(run.status, 'failed');
    assert.equal(run.actions.length, 1);
    assert.deepEqual(run.path, ['lookup']);
    assert.equal(run.error?.kind, 'action');
    assert.equal(run.error?.message, 'bad key');
  });

  it('jumps over a wait with a delay', async () => {
    const plan = compile(`
id: pause
name: Pause
steps:
  - id: cool_down
    wait: { delay: 2h }
  - id: post
    uses: chat.post
    with: { text: done }
`);
    const run = await simulate(plan, { actions: echo() });
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(run.path, ['cool_down', 'post']);
    assert.equal(run.elapsedMs, 2 * 3_600_000);
  });

  it('an approval that expires takes its deny path after its window; escalation doubles the window', async () => {
    const approval = (onExpiry: string) =>
      compile(`
id: gate
name: Gate
steps:
  - id: approve
    approval:
      title: Block?
      approvers: { role: manager }
      expires_in: 1h
      on_expiry: ${onExpiry}
      ${onExpiry === 'escalate' ? 'escalate_to: { role: admin }' : ''}
    on_deny: skipped
  - id: block
    uses: firewall.block_ip
    next: skipped
  - id: skipped
    set: { blocked: false }
`);
    for (const [onExpiry, elapsed] of [
      ['deny', 3_600_000],
      ['escalate', 7_200_000],
    ] as const) {
      const run = await simulate(approval(onExpiry), {
        actions: echo(),
        tasks: () => ({ outcome: 'expired' }),
      });
      assert.deepEqual(run.path, ['approve', 'skipped'], onExpiry);
      assert.deepEqual(run.asked, [
        { step: 'approve', kind: 'approval', title: 'Block?', outcome: 'expired' },
      ]);
      assert.equal(run.elapsedMs, elapsed, onExpiry);
      assert.deepEqual(run.actions, [], 'nothing blocked');
    }
  });

  it('runs a for_each body once per item, with per-iteration step keys', async () => {
    const plan = compile(`
id: each
name: Each
inputs:
  ips: { type: list, required: true }
steps:
  - id: each_ip
    for_each: \${{ inputs.ips }}
    concurrency: 2
    do:
      - id: lookup
        uses: intel.lookup_ip
        with: { ip: '\${{ item }}' }
      - id: bad
        if: \${{ steps.lookup.output.score > 50 }}
        else: skip
      - id: block
        uses: firewall.block_ip
        with: { ip: '\${{ item }}' }
      - id: skip
        set: { last: '\${{ item }}' }
`);
    const scores: Record<string, number> = { '192.0.2.1': 10, '192.0.2.2': 90, '192.0.2.3': 60 };
    const run = await simulate(plan, {
      inputs: { ips: Object.keys(scores) },
      actions: (c) =>
        c.action === 'intel.lookup_ip'
          ? { output: { score: scores[String(c.input['ip'])] } }
          : { output: {} },
    });
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(
      run.actions.filter((a) => a.effect === 'destructive').map((a) => [a.step, a.input['ip']]),
      [
        ['each_ip[1].block', '192.0.2.2'],
        ['each_ip[2].block', '192.0.2.3'],
      ],
    );
    assert.ok(run.path.includes('each_ip[0].skip'));
    assert.ok(!run.started.includes('each_ip[0].block'));
  });

  it('stops at a task nobody answers and reports the run as waiting on it', async () => {
    const plan = compile(`
id: ask
name: Ask
steps:
  - id: lookup
    uses: intel.lookup_ip
  - id: ask
    task:
      title: Is \${{ steps.lookup.output.ip }} expected?
      assignee: { role: analyst }
      choices: [yes, no]
  - id: block
    uses: firewall.block_ip
`);
    const run = await simulate(plan, { actions: () => ({ output: { ip: '192.0.2.9' } }) });
    assert.equal(run.status, 'waiting');
    assert.deepEqual(run.path, ['lookup']);
    assert.deepEqual(run.waitingOn, [{ step: 'ask', kind: 'task' }]);
    assert.deepEqual(run.asked, [
      { step: 'ask', kind: 'task', title: 'Is 192.0.2.9 expected?', outcome: null },
    ]);
    assert.equal(run.actions.length, 1, 'nothing after the task');

    const answered = await simulate(plan, {
      actions: () => ({ output: { ip: '192.0.2.9' } }),
      tasks: () => ({ outcome: 'answered', output: { choice: 'no' } }),
    });
    assert.equal(answered.status, 'succeeded');
    assert.deepEqual(answered.path, ['lookup', 'ask', 'block']);
    assert.deepEqual(answered.state.steps['ask']?.output, { choice: 'no' });
  });

  it('does not let a timer of a parallel branch fire past a question nobody answers', async () => {
    const plan = compile(`
id: both
name: Both
steps:
  - id: split
    parallel:
      - - id: ask
          task: { title: Go?, assignee: { role: analyst }, choices: [go] }
      - - id: later
          wait: { delay: 1h }
        - id: post
          uses: chat.post
`);
    const run = await simulate(plan, { actions: echo() });
    assert.equal(run.status, 'waiting');
    assert.deepEqual(run.path, ['later', 'post'], 'the other branch goes on');
    assert.deepEqual(run.waitingOn, [{ step: 'ask', kind: 'task' }]);
  });

  it('redacts secrets in what it records, and a missing secret is an expression error', async () => {
    const plan = compile(`
id: secret
name: Secret
steps:
  - id: lookup
    uses: intel.lookup_ip
    with: { key: '\${{ secrets.intel_key }}' }
`);
    const calls: ExecuteActionCommand[] = [];
    const run = await simulate(plan, { secrets: { intel_key: 's3cr3t-value' }, actions: echo(calls) });
    assert.equal(calls[0]?.input['key'], 's3cr3t-value', 'the action gets the real value');
    assert.equal(run.actions[0]?.input['key'], '***');
    assert.doesNotMatch(JSON.stringify(run), /s3cr3t-value/);

    const missing = await simulate(plan, { actions: echo() });
    assert.equal(missing.status, 'failed');
    assert.equal(missing.error?.kind, 'expression');
    assert.match(missing.error?.message ?? '', /intel_key/);
  });

  it('delivers an awaited event, or lets the wait time out, or stops there', async () => {
    const plan = compile(`
id: confirm
name: Confirm
steps:
  - id: isolated
    wait: { event: edr.host_isolated, timeout: 30m }
    on_error: gave_up
  - id: ok
    end: true
  - id: gave_up
    fail: not isolated
`);
    const delivered = await simulate(plan, { actions: echo(), events: () => ({ payload: { host: 'h1' } }) });
    assert.equal(delivered.status, 'succeeded');
    assert.deepEqual(delivered.state.steps['isolated']?.output, { host: 'h1' });
    const timedOut = await simulate(plan, { actions: echo(), events: () => 'timeout' });
    assert.deepEqual([timedOut.status, timedOut.elapsedMs], ['failed', 30 * 60_000]);
    const stopped = await simulate(plan, { actions: echo() });
    assert.deepEqual(stopped.waitingOn, [{ step: 'isolated', kind: 'event' }]);
  });

  it('simulates a sub-playbook with the same resolvers', async () => {
    const child = compile(`
id: child
name: Child
inputs:
  ip: { type: string, required: true }
outputs:
  blocked: \${{ steps.block.output.ok }}
steps:
  - id: block
    uses: firewall.block_ip
    with: { ip: '\${{ inputs.ip }}' }
`);
    const parent = compile(`
id: parent
name: Parent
steps:
  - id: contain
    playbook: child
    with: { ip: 192.0.2.5 }
  - id: post
    uses: chat.post
    with: { text: 'blocked \${{ steps.contain.output.blocked }}' }
`);
    const run = await simulate(parent, {
      actions: (c) => ({ output: c.action === 'firewall.block_ip' ? { ok: true } : c.input }),
      subruns: async (_command, nest) => {
        const simulation = await nest(child);
        return { status: 'succeeded', outputs: simulation.outputs, error: null, simulation };
      },
    });
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(
      run.actions.map((a) => [a.step, a.action]),
      [
        ['contain/block', 'firewall.block_ip'],
        ['post', 'chat.post'],
      ],
    );
    assert.deepEqual(run.actions[1]?.input, { text: 'blocked true' });
  });

  it('gives up with a clear error past its event budget', async () => {
    const plan = compile(`
id: poll
name: Poll
steps:
  - id: until
    wait:
      until: \${{ false }}
      poll: 1s
      timeout: 1d
`);
    await assert.rejects(
      simulate(plan, { actions: echo(), maxEvents: 500 }),
      (error: unknown) => error instanceof SimulationError && /after 500 events/.test(error.message),
    );
  });
});
