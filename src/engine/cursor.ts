/**
 * The cursor: moves frames through their blocks, eagerly, until every live frame waits on the outside
 * world. Step outcomes are applied here and only here: success continues, failure takes the step's
 * error path or propagates to the enclosing container, and finally to the run.
 */
import type { PlaybookStep } from '../core/playbook.ts';
import type { StepFailure, StepState } from './engine-types.ts';
import { dropChildren, haltChildren } from './cancel-work.ts';
import { boundsFailure, failureOutcome, internalFailure } from './failure.ts';
import type { Frame } from './internal-state.ts';
import type { RunDraft } from './run-draft.ts';
import { failRun, succeedRun } from './run-finish.ts';
import { enterStepKind } from './step-dispatch.ts';
import { iterationEnded } from './step-for-each.ts';
import { locate } from './step-locate.ts';
import type { StepAt, StepOutcome } from './step-outcome.ts';
import { withoutTimer } from './step-outcome.ts';
import { branchEnded, branchFailed } from './step-parallel.ts';

/** Internal transitions allowed in one reducer call: plans have no cycles, so only a bug gets here. */
export const MAX_TRANSITIONS = 100_000;

export function drain(d: RunDraft): void {
  for (let i = 0; i < d.queue.length && !d.finished; i++) runFrame(d, d.queue[i]!);
  d.queue.length = 0;
}

function runFrame(d: RunDraft, frameId: string): void {
  const frame = d.frame(frameId);
  if (!frame || frame.at !== null || frame.halted) return;
  if (++d.transitions > MAX_TRANSITIONS) {
    failRun(d, boundsFailure(`more than ${MAX_TRANSITIONS} internal transitions in one step of the run`));
    return;
  }
  if (frame.next === null) endFrame(d, frameId, frame);
  else enterStep(d, frameId, frame, frame.next);
}

function enterStep(d: RunDraft, frameId: string, frame: Frame, stepId: string): void {
  const step = d.plan.steps[stepId];
  if (!step) return failRun(d, internalFailure(`the plan has no step ${stepId}`));
  const key = (frame.scopes[frame.scopes.length - 1] ?? '') + stepId;
  const prior = d.step(key);
  const attempt = prior ? prior.attempt + 1 : 1;
  const state: StepState = { key, stepId, status: 'running', attempt, startedAt: d.now };
  // Entered again (a run retry): numbering goes on so idempotency keys stay unique; the budget restarts.
  if (prior) state.firstAttempt = attempt;
  if (prior?.attempts) state.attempts = prior.attempts;
  d.putStep(state);
  d.updateFrame(frameId, { at: key });
  const at: StepAt = { frameId, frame, key, state };
  applyOutcome(d, at, step, enterStepKind(d, at, step));
}

export function applyOutcome(d: RunDraft, at: StepAt, step: PlaybookStep, outcome: StepOutcome): void {
  switch (outcome.type) {
    case 'wait':
      return;
    case 'done':
      return succeedStep(d, at, step, outcome.output, outcome.next);
    case 'fail':
      return failStep(d, at.frameId, at.key, step, outcome.failure);
    case 'end': {
      markSucceeded(d, at.key, undefined);
      const failure = succeedRun(d);
      // Outputs that do not evaluate fail the run itself, whatever error path the step has.
      if (failure) {
        markFailed(d, at.key, d.redact(failure));
        failRun(d, failure);
      }
      return;
    }
  }
}

function markSucceeded(d: RunDraft, key: string, output: unknown): void {
  const state = d.step(key);
  if (!state) return;
  const { error: _error, ...rest } = withoutTimer(state);
  const stored: StepState = { ...rest, status: 'succeeded', finishedAt: d.now };
  if (output !== undefined) stored.output = d.redact(output);
  d.putStep(stored);
}

function markFailed(d: RunDraft, key: string, error: StepFailure): void {
  const state = d.step(key);
  if (state)
    d.putStep({ ...withoutTimer(state), status: failureOutcome(error).status, error, finishedAt: d.now });
}

function succeedStep(
  d: RunDraft,
  at: StepAt,
  step: PlaybookStep,
  output: unknown,
  next: string | null,
): void {
  markSucceeded(d, at.key, output);
  // A join any leaves branches behind; a for_each or join all has none left.
  if (d.container(at.key)) dropChildren(d, at.key, `${at.key} finished without them`);
  d.moveFrame(at.frameId, next);
}

/** The step failed for good (after its retries): continue_on_error, on_error, or propagate. */
export function failStep(
  d: RunDraft,
  frameId: string,
  key: string,
  step: PlaybookStep,
  failure: StepFailure,
): void {
  const error = d.redact(failure);
  markFailed(d, key, error);
  const handled = step.continueOnError || step.onError !== null;
  if (d.container(key)) {
    if (handled) dropChildren(d, key, `${key} failed`);
    else haltChildren(d, key, `${key} failed`);
  }
  if (step.continueOnError) d.moveFrame(frameId, step.next);
  else if (step.onError !== null) d.moveFrame(frameId, step.onError);
  else failFrame(d, frameId, error);
}

function failFrame(d: RunDraft, frameId: string, failure: StepFailure): void {
  const frame = d.frame(frameId);
  if (!frame) return;
  d.updateFrame(frameId, { halted: true });
  if (frame.owner === null) return failRun(d, failure);
  const owner = locate(d, frame.owner);
  if (!owner) return failRun(d, internalFailure(`no active container ${frame.owner}`));
  if (owner.step.kind === 'parallel' && branchFailed(d, frame.owner, owner.step, frame.slot) === 'absorbed')
    return;
  failStep(d, owner.at.frameId, frame.owner, owner.step, failure);
}

/** A frame reached the end of its block: the run's main block, an iteration or a branch. */
function endFrame(d: RunDraft, frameId: string, frame: Frame): void {
  if (frame.owner === null) {
    const failure = succeedRun(d);
    if (failure) failRun(d, failure);
    return;
  }
  const owner = locate(d, frame.owner);
  if (!owner) return failRun(d, internalFailure(`no active container ${frame.owner}`));
  const { step } = owner;
  const outcome =
    step.kind === 'for_each'
      ? iterationEnded(d, frame.owner, step, frameId)
      : step.kind === 'parallel'
        ? branchEnded(d, frame.owner, step, frame.slot, frameId)
        : null;
  if (outcome) applyOutcome(d, { ...owner.at, state: d.step(frame.owner) ?? owner.at.state }, step, outcome);
}
