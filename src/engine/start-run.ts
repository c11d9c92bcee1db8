import type { PlaybookPlan } from '../core/playbook.ts';
import type { EngineContext, RunState, Transition } from './engine-types.ts';
import { drain } from './cursor.ts';
import { internalFailure } from './failure.ts';
import { emptyInternal, MAIN_FRAME } from './internal-state.ts';
import { RunDraft } from './run-draft.ts';
import { failRun } from './run-finish.ts';
import { resolveInputs } from './run-inputs.ts';

export interface RunInit {
  runId: string;
  playbookVersion: number;
  inputs: Record<string, unknown>;
}

/** The first transition of a run: inputs checked and defaulted, then `main` entered as far as it goes. */
export function startRun(plan: PlaybookPlan, init: RunInit, ctx: EngineContext): Transition {
  assertContext(ctx);
  const base: RunState = {
    runId: init.runId,
    playbookId: plan.id,
    playbookVersion: init.playbookVersion,
    status: 'running',
    inputs: {},
    vars: {},
    outputs: {},
    error: null,
    steps: {},
    wakeAt: null,
    startedAt: ctx.now,
    finishedAt: null,
    seq: 0,
    internal: emptyInternal(),
  };
  let d: RunDraft | null = null;
  try {
    d = new RunDraft(plan, base, ctx);
    const resolved = resolveInputs(plan.inputs, init.inputs);
    if (!resolved.ok) {
      failRun(d, resolved.failure);
      return { state: d.toState(), commands: d.commands };
    }
    d.inputs = d.redact(resolved.inputs);
    d.putFrame(MAIN_FRAME, {
      block: plan.main.id,
      scopes: [''],
      owner: null,
      slot: 0,
      loop: null,
      index: null,
      at: null,
      next: plan.main.entry,
      halted: false,
    });
    d.queue.push(MAIN_FRAME);
    drain(d);
    return { state: d.toState(), commands: d.commands };
  } catch (error) {
    return crashed(plan, base, ctx, error);
  }
}

/** A bug (or a broken plan) met mid-transition: the run fails with an internal error rather than throw. */
export function crashed(plan: PlaybookPlan, base: RunState, ctx: EngineContext, error: unknown): Transition {
  try {
    const d = new RunDraft(plan, base, ctx);
    failRun(d, internalFailure(`engine error: ${error instanceof Error ? error.message : String(error)}`));
    return { state: d.toState(), commands: d.commands };
  } catch {
    const message = `engine error: ${error instanceof Error ? error.message : String(error)}`;
    const failure = internalFailure(message);
    const state: RunState = {
      ...base,
      status: 'failed',
      error: failure,
      finishedAt: ctx.now,
      seq: base.seq + 1,
    };
    return { state, commands: [{ type: 'run_finished', status: 'failed', outputs: {}, error: failure }] };
  }
}

/** The context is the runner's, not the outside world's: a wrong one is a programming error. */
export function assertContext(ctx: EngineContext): void {
  if (typeof ctx?.now !== 'string' || Number.isNaN(Date.parse(ctx.now)))
    throw new TypeError(`EngineContext.now must be an ISO 8601 time, got ${String(ctx?.now)}`);
  if (typeof ctx.random !== 'function') throw new TypeError('EngineContext.random must be a function');
}
