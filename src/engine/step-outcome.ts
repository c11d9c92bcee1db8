import type { StepFailure, StepState } from './engine-types.ts';
import type { Frame } from './internal-state.ts';

/**
 * What a step handler decided. Handlers never move the cursor themselves: the cursor applies the
 * outcome (continue, fail with its error path, end the run), which keeps control flow in one place.
 */
export type StepOutcome =
  /** The step is active and waits for the outside world (its state is already stored). */
  | { type: 'wait' }
  /** The step succeeded; control goes to `next` (null: the block ends). */
  | { type: 'done'; output: unknown; next: string | null }
  | { type: 'fail'; failure: StepFailure }
  /** An `end` step: the run succeeds now. */
  | { type: 'end' };

export const WAIT: StepOutcome = { type: 'wait' };

export const done = (output: unknown, next: string | null): StepOutcome => ({ type: 'done', output, next });

export const fail = (failure: StepFailure): StepOutcome => ({ type: 'fail', failure });

/** Where a step instance runs: its frame and its current state. */
export interface StepAt {
  frameId: string;
  frame: Frame;
  key: string;
  state: StepState;
}

/** A state without its timer fields (the step stopped waiting). */
export function withoutTimer(state: StepState): StepState {
  if (state.timerAt === undefined && state.deadlineAt === undefined) return state;
  const { timerAt: _timer, deadlineAt: _deadline, ...rest } = state;
  return rest;
}
