/** `wait` steps: a delay, a condition polled until it holds, or an external event. */
import type { WaitStep } from '../core/playbook.ts';
import { evaluateExpression, scopeFor, truthy } from './expression-scope.ts';
import { timeoutFailure } from './failure.ts';
import type { RunDraft } from './run-draft.ts';
import type { StepAt, StepOutcome } from './step-outcome.ts';
import { done, fail, WAIT } from './step-outcome.ts';

export function enterWait(d: RunDraft, at: StepAt, step: WaitStep): StepOutcome {
  const wait = step.wait;
  switch (wait.mode) {
    case 'delay':
      d.putStep({ ...at.state, status: 'waiting', timerAt: d.later(wait.delayMs) });
      return WAIT;
    case 'until': {
      const deadlineAt = d.later(wait.timeoutMs);
      return pollUntil(d, { ...at, state: { ...at.state, deadlineAt } }, step);
    }
    case 'event': {
      const deadlineAt = d.later(wait.timeoutMs);
      d.putStep({ ...at.state, status: 'waiting', timerAt: deadlineAt, deadlineAt });
      return WAIT;
    }
  }
}

/** Evaluates the condition (with the fresh alert and case); waits another poll, or times out. */
function pollUntil(d: RunDraft, at: StepAt, step: WaitStep): StepOutcome {
  const wait = step.wait;
  if (wait.mode !== 'until') return WAIT;
  const r = evaluateExpression(wait.condition, scopeFor(d, at.frame));
  if (!r.ok) return fail(r.failure);
  if (truthy(r.value)) return done(undefined, step.next);
  const deadlineAt = at.state.deadlineAt ?? d.now;
  if (Date.parse(deadlineAt) <= d.nowMs)
    return fail(
      timeoutFailure(`the wait condition did not hold within ${wait.timeoutMs} ms`, wait.timeoutMs),
    );
  const poll = d.later(wait.pollMs);
  d.putStep({ ...at.state, status: 'waiting', timerAt: poll < deadlineAt ? poll : deadlineAt, deadlineAt });
  return WAIT;
}

export function waitTimer(d: RunDraft, at: StepAt, step: WaitStep): StepOutcome {
  const wait = step.wait;
  switch (wait.mode) {
    case 'delay':
      return done(undefined, step.next);
    case 'until':
      return pollUntil(d, at, step);
    case 'event':
      return fail(
        timeoutFailure(`no ${wait.name} event arrived within ${wait.timeoutMs} ms`, wait.timeoutMs),
      );
  }
}

/** An external event: null when this step does not wait for it (name, or its match is false). */
export function waitEvent(
  d: RunDraft,
  at: StepAt,
  step: WaitStep,
  name: string,
  payload: unknown,
): StepOutcome | null {
  const wait = step.wait;
  if (wait.mode !== 'event' || wait.name !== name) return null;
  if (wait.match === null) return done(payload, step.next);
  const r = evaluateExpression(wait.match, scopeFor(d, at.frame, payload));
  if (!r.ok) return fail(r.failure);
  return truthy(r.value) ? done(payload, step.next) : null;
}
