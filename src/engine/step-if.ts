import type { IfStep } from '../core/playbook.ts';
import { evaluateExpression, scopeFor, truthy } from './expression-scope.ts';
import type { RunDraft } from './run-draft.ts';
import type { StepAt, StepOutcome } from './step-outcome.ts';
import { done, fail } from './step-outcome.ts';

/** `if`: output `{ result }`, control to `then` or `else` (null ends the block). */
export function enterIf(d: RunDraft, at: StepAt, step: IfStep): StepOutcome {
  const r = evaluateExpression(step.condition, scopeFor(d, at.frame));
  if (!r.ok) return fail(r.failure);
  const result = truthy(r.value);
  return done({ result }, result ? step.then : step.else);
}
