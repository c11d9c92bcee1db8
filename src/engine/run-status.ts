import type { PlaybookPlan } from '../core/playbook.ts';
import type { RunStatus, StepState } from './engine-types.ts';
import type { Frame } from './internal-state.ts';

/** The step instances doing work right now: each live frame's active step, containers excluded. */
export function activeLeaves(
  plan: PlaybookPlan,
  frames: Record<string, Frame>,
  steps: Record<string, StepState>,
): StepState[] {
  const leaves: StepState[] = [];
  for (const id in frames) {
    const frame = frames[id]!;
    if (frame.halted || frame.at === null) continue;
    const state = steps[frame.at];
    const kind = state && plan.steps[state.stepId]?.kind;
    if (!state || kind === 'for_each' || kind === 'parallel') continue;
    leaves.push(state);
  }
  return leaves;
}

/**
 * `running` while an action or a sub-run is in flight, `waiting` when all active work waits on a
 * person, a timer or an event; `wakeAt` is the earliest timer.
 */
export function summarizeActivity(
  plan: PlaybookPlan,
  frames: Record<string, Frame>,
  steps: Record<string, StepState>,
): { status: RunStatus; wakeAt: string | null } {
  let busy = false;
  let waiting = false;
  let wakeAt: string | null = null;
  for (const state of activeLeaves(plan, frames, steps)) {
    const kind = plan.steps[state.stepId]?.kind;
    if (state.status === 'running' || kind === 'playbook') busy = true;
    else waiting = true;
    if (state.timerAt !== undefined && (wakeAt === null || state.timerAt < wakeAt)) wakeAt = state.timerAt;
  }
  return { status: busy || !waiting ? 'running' : 'waiting', wakeAt };
}
