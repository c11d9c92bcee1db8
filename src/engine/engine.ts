/**
 * The playbook engine's pure core: `state + event → new state + commands`. Deterministic given its
 * arguments (time from ctx.now, randomness from ctx.random), never mutates its input, never throws on
 * an event. See docs/engine.md.
 */
import type { PlaybookPlan } from '../core/playbook.ts';
import type { EngineContext, EngineEvent, RunState, Transition } from './engine-types.ts';
import { TERMINAL_RUN_STATUSES } from './engine-types.ts';
import { applyEvent } from './apply-event.ts';
import { drain } from './cursor.ts';
import { RunDraft } from './run-draft.ts';
import { assertContext, crashed } from './start-run.ts';

export { startRun } from './start-run.ts';
export type { RunInit } from './start-run.ts';
export { resumeCommands } from './resume-commands.ts';
export { describeRun } from './describe-run.ts';
export type { StepDescription } from './describe-run.ts';
export { MAX_TRANSITIONS } from './cursor.ts';

const EVENT_TYPES = new Set<string>([
  'action_completed',
  'action_failed',
  'timer_fired',
  'task_completed',
  'subrun_finished',
  'external_event',
  'cancel',
  'retry',
]);

/** Applies one event. Events that do not fit the run (stale, unknown, on a finished run) change nothing. */
export function advance(
  plan: PlaybookPlan,
  state: RunState,
  event: EngineEvent,
  ctx: EngineContext,
): Transition {
  assertContext(ctx);
  const unchanged: Transition = { state, commands: [] };
  if (typeof event !== 'object' || event === null || !EVENT_TYPES.has(event.type)) return unchanged;
  const finished = TERMINAL_RUN_STATUSES.includes(state.status);
  if (finished && event.type !== 'retry') return unchanged;
  try {
    const d = new RunDraft(plan, state, ctx);
    if (!applyEvent(d, event)) return unchanged;
    drain(d);
    return { state: d.toState(), commands: d.commands };
  } catch (error) {
    return crashed(plan, state, ctx, error);
  }
}
