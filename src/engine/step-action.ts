/** `action` steps: one `execute_action` per attempt, retries with backoff, results from the runner. */
import type { ActionStep } from '../core/playbook.ts';
import type { EngineCommand, StepFailure } from './engine-types.ts';
import { evaluateRecord, scopeFor } from './expression-scope.ts';
import { failureOutcome } from './failure.ts';
import { retryDelayMs } from './retry-delay.ts';
import type { RunDraft } from './run-draft.ts';
import type { StepAt, StepOutcome } from './step-outcome.ts';
import { done, fail, WAIT, withoutTimer } from './step-outcome.ts';

export const idempotencyKey = (runId: string, key: string, attempt: number): string =>
  `${runId}:${key}:${attempt}`;

export function enterAction(d: RunDraft, at: StepAt, step: ActionStep): StepOutcome {
  return startAttempt(d, at, step, at.state.attempt);
}

/** The command for the current attempt, its input evaluated now (real secrets: never stored). */
export function executeCommand(
  d: RunDraft,
  at: StepAt,
  step: ActionStep,
  attempt: number,
): { ok: true; command: EngineCommand & { type: 'execute_action' } } | { ok: false; failure: StepFailure } {
  const r = evaluateRecord(step.with, scopeFor(d, at.frame), `${step.id}.with`);
  if (!r.ok) return r;
  return {
    ok: true,
    command: {
      type: 'execute_action',
      stepKey: at.key,
      action: step.uses,
      effect: step.effect,
      input: r.value as Record<string, unknown>,
      attempt,
      idempotencyKey: idempotencyKey(d.base.runId, at.key, attempt),
      timeoutMs: step.timeoutMs,
      ...(step.react === undefined ? {} : { react: step.react }),
    },
  };
}

function startAttempt(d: RunDraft, at: StepAt, step: ActionStep, attempt: number): StepOutcome {
  const r = executeCommand(d, at, step, attempt);
  if (!r.ok) return fail(r.failure);
  d.emit(r.command);
  const { error: _lastError, ...rest } = withoutTimer(at.state);
  d.putStep({
    ...rest,
    status: 'running',
    attempt,
    input: d.redact(r.command.input),
    idempotencyKey: r.command.idempotencyKey,
  });
  return WAIT;
}

export function actionCompleted(_d: RunDraft, _at: StepAt, step: ActionStep, output: unknown): StepOutcome {
  return done(output, step.next);
}

/** Records the failed attempt; retries while the policy allows and the failure is retryable. */
export function actionFailed(d: RunDraft, at: StepAt, step: ActionStep, error: StepFailure): StepOutcome {
  const failure = d.redact(error);
  const state = at.state;
  const attempts = [...(state.attempts ?? []), { attempt: state.attempt, error: failure, at: d.now }];
  const n = state.attempt - (state.firstAttempt ?? 1) + 1;
  const policy = step.retry;
  if (policy && failureOutcome(failure).retryable && n < policy.attempts) {
    const delay = retryDelayMs(policy, n, failure, d.ctx.random);
    d.putStep({ ...state, status: 'retrying', error: failure, attempts, timerAt: d.later(delay) });
    return WAIT;
  }
  d.putStep({ ...state, attempts });
  return fail(failure);
}

/** The backoff is over: the next attempt, with its input evaluated again (alert and case may have moved). */
export function actionTimer(d: RunDraft, at: StepAt, step: ActionStep): StepOutcome {
  if (at.state.status !== 'retrying') return WAIT;
  return startAttempt(d, at, step, at.state.attempt + 1);
}
