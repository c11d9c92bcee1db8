import type { FailStep } from '../core/playbook.ts';
import { asText, evaluateTemplate, scopeFor } from './expression-scope.ts';
import type { RunDraft } from './run-draft.ts';
import type { StepAt, StepOutcome } from './step-outcome.ts';
import { fail } from './step-outcome.ts';

/** `fail`: the step fails with its message; its error path applies like any failure's. */
export function enterFail(d: RunDraft, at: StepAt, step: FailStep): StepOutcome {
  const r = evaluateTemplate(step.message, scopeFor(d, at.frame), `${step.id}.message`);
  if (!r.ok) return fail(r.failure);
  return fail({ kind: 'fail_step', message: asText(r.value) });
}
