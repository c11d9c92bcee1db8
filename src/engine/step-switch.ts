import type { SwitchStep } from '../core/playbook.ts';
import { asText, evaluateExpression, scopeFor } from './expression-scope.ts';
import type { RunDraft } from './run-draft.ts';
import type { StepAt, StepOutcome } from './step-outcome.ts';
import { done, fail } from './step-outcome.ts';

/** `switch`: the value as text against each case in order, else `default`. Output `{ value, matched }`. */
export function enterSwitch(d: RunDraft, at: StepAt, step: SwitchStep): StepOutcome {
  const r = evaluateExpression(step.value, scopeFor(d, at.frame));
  if (!r.ok) return fail(r.failure);
  const value = asText(r.value);
  const hit = step.cases.find((c) => c.match === value);
  return done({ value, matched: hit ? hit.match : null }, hit ? hit.next : step.default);
}
