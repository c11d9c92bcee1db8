/**
 * Event → change, one case per event type. An event that does not fit the run as it is now (stale
 * attempt, unknown or inactive step, wrong outcome for the step kind) returns false: ignored.
 */
import type { EngineEvent } from './engine-types.ts';
import { applyOutcome } from './cursor.ts';
import { normalizeFailure } from './failure.ts';
import type { RunDraft } from './run-draft.ts';
import { cancelRun } from './run-finish.ts';
import { reopenRun } from './run-retry.ts';
import { actionCompleted, actionFailed } from './step-action.ts';
import { stepTimer } from './step-dispatch.ts';
import { locate, locateLive } from './step-locate.ts';
import { subrunFinished } from './step-playbook.ts';
import { taskCompleted } from './step-task.ts';
import { waitEvent } from './step-wait.ts';

export function applyEvent(d: RunDraft, event: EngineEvent): boolean {
  switch (event.type) {
    case 'action_completed':
    case 'action_failed': {
      const found = locateLive(d, event.stepKey);
      if (found?.step.kind !== 'action') return false;
      const { at, step } = found;
      if (at.state.status !== 'running' || at.state.attempt !== event.attempt) return false;
      const outcome =
        event.type === 'action_completed'
          ? actionCompleted(d, at, step, event.output)
          : actionFailed(d, at, step, normalizeFailure(event.error));
      applyOutcome(d, at, step, outcome);
      return true;
    }
    case 'task_completed': {
      const found = locateLive(d, event.stepKey);
      if (!found || found.at.state.status !== 'waiting') return false;
      if (found.step.kind !== 'task' && found.step.kind !== 'approval') return false;
      const outcome = taskCompleted(found.step, event);
      if (!outcome) return false;
      applyOutcome(d, found.at, found.step, outcome);
      return true;
    }
    case 'subrun_finished': {
      const found = locateLive(d, event.stepKey);
      if (found?.step.kind !== 'playbook' || found.at.state.status !== 'waiting') return false;
      applyOutcome(d, found.at, found.step, subrunFinished(d, found.step, event));
      return true;
    }
    case 'timer_fired':
      return fireTimers(d);
    case 'external_event':
      return typeof event.name === 'string' && deliverEvent(d, event.name, event.payload);
    case 'cancel':
      cancelRun(d, String(event.by), String(event.reason));
      return true;
    case 'retry':
      return reopenRun(d);
    default: {
      const _exhaustive: never = event;
      return false;
    }
  }
}

/** Every step whose timer is due moves on, in frame order. */
function fireTimers(d: RunDraft): boolean {
  let changed = false;
  for (const id of d.frameIds()) {
    if (d.finished) break;
    const frame = d.frame(id);
    const found = frame && !frame.halted && frame.at !== null ? locate(d, frame.at) : null;
    const timerAt = found?.at.state.timerAt;
    if (!found || timerAt === undefined || Date.parse(timerAt) > d.nowMs) continue;
    changed = true;
    applyOutcome(d, found.at, found.step, stepTimer(d, found.at, found.step));
  }
  return changed;
}

/** Every `wait: event` step waiting for this name whose match holds takes the payload. */
function deliverEvent(d: RunDraft, name: string, payload: unknown): boolean {
  let changed = false;
  for (const id of d.frameIds()) {
    if (d.finished) break;
    const frame = d.frame(id);
    const found = frame && !frame.halted && frame.at !== null ? locate(d, frame.at) : null;
    if (found?.step.kind !== 'wait' || found.at.state.status !== 'waiting') continue;
    const outcome = waitEvent(d, found.at, found.step, name, payload);
    if (!outcome) continue;
    changed = true;
    applyOutcome(d, found.at, found.step, outcome);
  }
  return changed;
}
