/** Step kind → handler: the one switch over `PlaybookStep['kind']`, checked exhaustive by the compiler. */
import type { PlaybookStep } from '../core/playbook.ts';
import { internalFailure } from './failure.ts';
import type { RunDraft } from './run-draft.ts';
import { actionTimer, enterAction } from './step-action.ts';
import { enterFail } from './step-fail.ts';
import { enterForEach } from './step-for-each.ts';
import { enterIf } from './step-if.ts';
import type { StepAt, StepOutcome } from './step-outcome.ts';
import { fail, WAIT } from './step-outcome.ts';
import { enterParallel } from './step-parallel.ts';
import { enterPlaybook, playbookTimer } from './step-playbook.ts';
import { enterSet } from './step-set.ts';
import { enterSwitch } from './step-switch.ts';
import { enterTask } from './step-task.ts';
import { enterWait, waitTimer } from './step-wait.ts';

export function enterStepKind(d: RunDraft, at: StepAt, step: PlaybookStep): StepOutcome {
  switch (step.kind) {
    case 'action':
      return enterAction(d, at, step);
    case 'if':
      return enterIf(d, at, step);
    case 'switch':
      return enterSwitch(d, at, step);
    case 'for_each':
      return enterForEach(d, at, step);
    case 'parallel':
      return enterParallel(d, at, step);
    case 'playbook':
      return enterPlaybook(d, at, step);
    case 'set':
      return enterSet(d, at, step);
    case 'wait':
      return enterWait(d, at, step);
    case 'task':
    case 'approval':
      return enterTask(d, at, step);
    case 'end':
      return { type: 'end' };
    case 'fail':
      return enterFail(d, at, step);
    default: {
      const _exhaustive: never = step;
      return fail(internalFailure(`step ${(step as PlaybookStep).id} has an unknown kind`));
    }
  }
}

/** A step's timer is due (retry backoff, delay, poll, wait or sub-run timeout). */
export function stepTimer(d: RunDraft, at: StepAt, step: PlaybookStep): StepOutcome {
  switch (step.kind) {
    case 'action':
      return actionTimer(d, at, step);
    case 'wait':
      return waitTimer(d, at, step);
    case 'playbook':
      return playbookTimer(d, at, step);
    default:
      return WAIT;
  }
}
