/**
 * Stopping work in flight. Halting keeps frames and container progress (a run retry reopens them);
 * dropping removes them for good (the failure was handled, a join any finished, the run ended).
 */
import type { StepStatus } from './engine-types.ts';
import { cancelledFailure } from './failure.ts';
import { branchFrameId, iterationFrameId, MAIN_FRAME } from './internal-state.ts';
import type { RunDraft } from './run-draft.ts';
import { withoutTimer } from './step-outcome.ts';

const FINAL: ReadonlySet<StepStatus> = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

export const isFinal = (status: StepStatus): boolean => FINAL.has(status);

/** Marks an unfinished step cancelled, with the command that stops its outside work. */
export function cancelStep(d: RunDraft, key: string, reason: string): void {
  const state = d.step(key);
  if (!state || isFinal(state.status)) return;
  switch (d.plan.steps[state.stepId]?.kind) {
    case 'action':
      if (state.status === 'running') d.emit({ type: 'cancel_action', stepKey: key });
      break;
    case 'task':
    case 'approval':
      d.emit({ type: 'close_task', stepKey: key, reason });
      break;
    case 'playbook':
      d.emit({ type: 'cancel_subrun', stepKey: key });
      break;
    default:
      break;
  }
  d.putStep({
    ...withoutTimer(state),
    status: 'cancelled',
    error: cancelledFailure(reason),
    finishedAt: d.now,
  });
}

/** The frames a container started that still exist. */
export function childFrames(d: RunDraft, containerKey: string): string[] {
  const progress = d.container(containerKey);
  if (!progress) return [];
  const ids =
    progress.kind === 'for_each'
      ? Array.from({ length: progress.started }, (_, i) => iterationFrameId(containerKey, i))
      : progress.branches.map((_, i) => branchFrameId(containerKey, i));
  return ids.filter((id) => d.frame(id) !== undefined);
}

export function haltChildren(d: RunDraft, containerKey: string, reason: string): void {
  for (const id of childFrames(d, containerKey)) haltFrame(d, id, reason);
}

function haltFrame(d: RunDraft, frameId: string, reason: string): void {
  const frame = d.frame(frameId);
  if (!frame) return;
  if (!frame.halted) d.updateFrame(frameId, { halted: true });
  if (frame.at === null) return;
  if (d.container(frame.at)) haltChildren(d, frame.at, reason);
  cancelStep(d, frame.at, reason);
}

/** Halts every frame of the run (it failed): in-flight work is cancelled, the cursors stay. */
export function haltAll(d: RunDraft, reason: string): void {
  for (const id of d.frameIds()) haltFrame(d, id, reason);
}

export function dropChildren(d: RunDraft, containerKey: string, reason: string): void {
  for (const id of childFrames(d, containerKey)) dropFrame(d, id, reason);
  d.dropContainer(containerKey);
}

function dropFrame(d: RunDraft, frameId: string, reason: string): void {
  const frame = d.frame(frameId);
  if (!frame) return;
  if (frame.at !== null) {
    if (d.container(frame.at)) dropChildren(d, frame.at, reason);
    cancelStep(d, frame.at, reason);
  }
  d.dropFrame(frameId);
}

/** Drops every frame (the run ended): everything still in flight is cancelled. */
export function dropAll(d: RunDraft, reason: string): void {
  dropFrame(d, MAIN_FRAME, reason);
  for (const id of d.frameIds()) dropFrame(d, id, reason);
}
