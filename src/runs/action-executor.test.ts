import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import type { ActionCatalog, ActionDefinition } from '../core/action.ts';
import type { EngineEvent } from '../engine/engine-types.ts';
import { InProcessQueue } from '../queue/in-process-queue.ts';
import type { ActionJob } from '../queue/work-queue.ts';
import { ActionExecutor } from './action-executor.ts';

const started: string[] = [];
const echo: ActionDefinition = {
  id: 'test.echo',
  title: 'Echo',
  description: 'Answers with its input',
  effect: 'read',
  input: Type.Object({ n: Type.Number() }),
  timeoutMs: 1_000,
  retry: null,
  run: async (input, context) => {
    started.push(context.runId);
    return { n: input.n };
  },
};
const catalog: ActionCatalog = { get: (id) => (id === echo.id ? echo : undefined), list: () => [echo] };

function job(runId: string): ActionJob {
  return {
    runId,
    stepKey: 'lookup',
    action: echo.id,
    effect: 'read',
    input: { n: 1 },
    attempt: 1,
    idempotencyKey: `${runId}:lookup:1`,
    timeoutMs: null,
    dryRun: false,
  };
}

/** A sink whose deliveries stay pending (a commit that has not happened yet) until released. */
function heldSink() {
  const delivered: { runId: string; event: EngineEvent }[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const sink = async (runId: string, event: EngineEvent): Promise<boolean> => {
    delivered.push({ runId, event });
    await held;
    return true;
  };
  return { sink, delivered, release };
}

describe('ActionExecutor', () => {
  it('execute resolves only once the outcome is delivered', async () => {
    const { sink, delivered, release } = heldSink();
    const executor = new ActionExecutor(catalog, sink);
    let done = false;
    const executing = executor.execute(job('run_a')).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(delivered.length, 1);
    assert.equal(delivered[0]!.event.type, 'action_completed');
    assert.equal(done, false, 'execute waited for the delivery');
    release();
    await executing;
    assert.equal(done, true);
  });

  it('dispatch frees the queue slot when the action is done, while its outcome still commits', async () => {
    started.length = 0;
    const { sink, delivered, release } = heldSink();
    const executor = new ActionExecutor(catalog, sink);
    const queue = new InProcessQueue();
    queue.process(executor.dispatch, 1);
    queue.enqueue([job('run_a'), job('run_b'), job('run_c')]);
    await new Promise((r) => setTimeout(r, 50));
    // One slot, and no delivery has committed: every action ran all the same, each handing over its outcome.
    assert.deepEqual(started, ['run_a', 'run_b', 'run_c']);
    assert.deepEqual(
      delivered.map((d) => [d.runId, d.event.type]),
      [
        ['run_a', 'action_completed'],
        ['run_b', 'action_completed'],
        ['run_c', 'action_completed'],
      ],
    );
    assert.equal(queue.size(), 0);
    release();
    await queue.close();
  });

  it('a delivery that fails is left to recovery, not thrown out of the queue', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const executor = new ActionExecutor(catalog, async () => {
        throw new Error('commit failed');
      });
      const queue = new InProcessQueue();
      queue.process(executor.dispatch, 1);
      queue.enqueue([job('run_a'), job('run_b')]);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(queue.size(), 0);
      assert.deepEqual(unhandled, []);
      await queue.close();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
