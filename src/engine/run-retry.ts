/**
 * `retry` on a failed run: the frames a failure halted are reopened where they stopped. The failed
 * step and the steps cancelled because of it are entered again (fresh retry budget); containers on
 * the failure's path go back to running with their progress; succeeded steps keep their outputs.
 */
import { withoutTimer } from './step-outcome.ts';
import type { RunDraft } from './run-draft.ts';

export function reopenRun(d: RunDraft): boolean {
  const frameIds = d.frameIds();
  if (d.status !== 'failed' || frameIds.length === 0) return false;
  d.status = 'running';
  d.error = null;
  d.finishedAt = null;
  for (const id of frameIds) {
    const frame = d.frame(id);
    if (!frame) continue;
    d.updateFrame(id, { halted: false });
    if (frame.at === null) {
      d.queue.push(id);
      continue;
    }
    const state = d.step(frame.at);
    if (!state || (state.status !== 'failed' && state.status !== 'cancelled')) continue;
    const progress = d.container(frame.at);
    if (!progress) {
      d.moveFrame(id, state.stepId);
      continue;
    }
    const { error: _error, finishedAt: _finishedAt, ...rest } = withoutTimer(state);
    d.putStep({ ...rest, status: 'running' });
    if (progress.kind === 'parallel')
      d.putContainer(frame.at, {
        ...progress,
        branches: progress.branches.map((b) => (b === 'failed' ? 'running' : b)),
      });
  }
  return true;
}
