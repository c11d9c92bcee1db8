import type { PlaybookStep } from '../core/playbook.ts';
import type { RunDraft } from './run-draft.ts';
import type { StepAt } from './step-outcome.ts';

/** The step instance `key` if it is the active step of a live frame (otherwise events for it are stale). */
export function locate(d: RunDraft, key: string): { at: StepAt; step: PlaybookStep } | null {
  const state = d.step(key);
  const step = state && d.plan.steps[state.stepId];
  if (!state || !step) return null;
  const frameId = d.index.frameOf(key, step);
  const frame = d.frame(frameId);
  if (!frame || frame.at !== key) return null;
  return { at: { frameId, frame, key, state }, step };
}

/** As `locate`, for events from the outside world: halted frames take none. */
export function locateLive(d: RunDraft, key: unknown): { at: StepAt; step: PlaybookStep } | null {
  if (typeof key !== 'string') return null;
  const found = locate(d, key);
  return found && !found.at.frame.halted ? found : null;
}
