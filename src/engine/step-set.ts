import type { SetStep } from '../core/playbook.ts';
import { evaluateTemplate, scopeFor } from './expression-scope.ts';
import type { RunDraft } from './run-draft.ts';
import type { StepAt, StepOutcome } from './step-outcome.ts';
import { done, fail } from './step-outcome.ts';

/**
 * `set`: values are evaluated in order (a later one sees the earlier ones) and assigned together, so
 * a failing value assigns nothing. Stored vars are redacted like everything else. Output: the values.
 */
export function enterSet(d: RunDraft, at: StepAt, step: SetStep): StepOutcome {
  const scope = scopeFor(d, at.frame);
  const values: Record<string, unknown> = {};
  scope.vars = { ...scope.vars };
  for (const [name, template] of Object.entries(step.values)) {
    const r = evaluateTemplate(template, scope, `${step.id}.${name}`);
    if (!r.ok) return fail(r.failure);
    values[name] = r.value;
    scope.vars[name] = r.value;
  }
  const stored = d.redact(values);
  for (const [name, value] of Object.entries(stored)) d.setVar(name, value);
  return done(stored, step.next);
}
