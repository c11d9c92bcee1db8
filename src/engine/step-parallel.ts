/**
 * `parallel`: one frame per branch, all started at once. Join all: output is one `{ <stepId>: output }`
 * per branch; join any: `{ branch, steps }` of the first branch to succeed, the others cancelled.
 */
import type { ParallelStep } from '../core/playbook.ts';
import { blockOutputs, keyPrefix } from './block-outputs.ts';
import { branchFrameId } from './internal-state.ts';
import type { RunDraft } from './run-draft.ts';
import type { StepAt, StepOutcome } from './step-outcome.ts';
import { done, WAIT } from './step-outcome.ts';

export function enterParallel(d: RunDraft, at: StepAt, step: ParallelStep): StepOutcome {
  if (step.branches.length === 0) return done(step.join === 'all' ? [] : null, step.next);
  d.putContainer(at.key, {
    kind: 'parallel',
    frame: at.frameId,
    branches: step.branches.map(() => 'running'),
  });
  step.branches.forEach((branch, i) => {
    const id = branchFrameId(at.key, i);
    d.putFrame(id, {
      block: branch.id,
      scopes: at.frame.scopes,
      owner: at.key,
      slot: i,
      loop: at.frame.loop,
      index: at.frame.index,
      at: null,
      next: branch.entry,
      halted: false,
    });
    d.queue.push(id);
  });
  return WAIT;
}

export function branchEnded(
  d: RunDraft,
  key: string,
  step: ParallelStep,
  slot: number,
  frameId: string,
): StepOutcome | null {
  const progress = d.container(key);
  if (progress?.kind !== 'parallel') return null;
  d.dropFrame(frameId);
  const branches = progress.branches.with(slot, 'succeeded');
  d.putContainer(key, { ...progress, branches });
  const prefix = keyPrefix(key, step.id);
  const outputsOf = (i: number) => blockOutputs(d, prefix, step.branches[i]?.steps ?? []);
  if (step.join === 'any') return done({ branch: slot, steps: outputsOf(slot) }, step.next);
  if (!branches.every((b) => b === 'succeeded')) return null;
  return done(
    step.branches.map((_, i) => outputsOf(i)),
    step.next,
  );
}

/** A branch failed: join all fails at once, join any only when no branch is left that may succeed. */
export function branchFailed(
  d: RunDraft,
  key: string,
  step: ParallelStep,
  slot: number,
): 'propagate' | 'absorbed' {
  const progress = d.container(key);
  if (progress?.kind !== 'parallel') return 'propagate';
  const branches = progress.branches.with(slot, 'failed');
  d.putContainer(key, { ...progress, branches });
  if (step.join === 'all') return 'propagate';
  return branches.every((b) => b === 'failed') ? 'propagate' : 'absorbed';
}
