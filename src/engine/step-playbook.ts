/** `playbook` steps: a child run started and followed by the runner; the engine sees only its end. */
import type { SubPlaybookStep } from '../core/playbook.ts';
import type { EngineEvent } from './engine-types.ts';
import { evaluateRecord, scopeFor } from './expression-scope.ts';
import { timeoutFailure } from './failure.ts';
import type { RunDraft } from './run-draft.ts';
import type { StepAt, StepOutcome } from './step-outcome.ts';
import { done, fail, WAIT } from './step-outcome.ts';

type SubrunFinished = EngineEvent & { type: 'subrun_finished' };

export function enterPlaybook(d: RunDraft, at: StepAt, step: SubPlaybookStep): StepOutcome {
  const r = evaluateRecord(step.with, scopeFor(d, at.frame), `${step.id}.with`);
  if (!r.ok) return fail(r.failure);
  const inputs = r.value as Record<string, unknown>;
  d.emit({ type: 'start_subrun', stepKey: at.key, playbookId: step.playbook, inputs });
  const state = { ...at.state, status: 'waiting' as const, input: d.redact(inputs) };
  d.putStep(step.timeoutMs === null ? state : { ...state, timerAt: d.later(step.timeoutMs) });
  return WAIT;
}

export function subrunFinished(d: RunDraft, step: SubPlaybookStep, event: SubrunFinished): StepOutcome {
  if (event.status === 'succeeded') return done(event.outputs, step.next);
  const why = event.error?.message ?? event.status;
  return fail({
    kind: 'subrun',
    message: `sub-playbook ${step.playbook} (run ${event.runId}) ${event.status}: ${why}`,
    runId: typeof event.runId === 'string' ? event.runId : '',
  });
}

/** The step's own timeout: the child run is cancelled and the step fails. */
export function playbookTimer(d: RunDraft, at: StepAt, step: SubPlaybookStep): StepOutcome {
  const timeoutMs = step.timeoutMs ?? 0;
  d.emit({ type: 'cancel_subrun', stepKey: at.key });
  return fail(
    timeoutFailure(`sub-playbook ${step.playbook} did not finish within ${timeoutMs} ms`, timeoutMs),
  );
}
