/** `task` and `approval` steps: open a task for people, then follow its final outcome. */
import type { ApprovalStep, TaskStep } from '../core/playbook.ts';
import type { ApprovalCommandSpec, EngineEvent, TaskCommandSpec } from './engine-types.ts';
import { asText, evaluateTemplate, scopeFor } from './expression-scope.ts';
import type { RunDraft } from './run-draft.ts';
import type { StepAt, StepOutcome } from './step-outcome.ts';
import { done, fail, WAIT } from './step-outcome.ts';

type TaskCompleted = EngineEvent & { type: 'task_completed' };

export function enterTask(d: RunDraft, at: StepAt, step: TaskStep | ApprovalStep): StepOutcome {
  const scope = scopeFor(d, at.frame);
  const title = evaluateTemplate(step.title, scope, `${step.id}.title`);
  if (!title.ok) return fail(title.failure);
  let description: string | null = null;
  if (step.description) {
    const r = evaluateTemplate(step.description, scope, `${step.id}.description`);
    if (!r.ok) return fail(r.failure);
    description = asText(r.value);
  }
  // People read tasks: their text is redacted like stored state.
  const spec = d.redact(specFor(d, step, asText(title.value), description));
  d.emit({ type: 'open_task', stepKey: at.key, spec });
  d.putStep({ ...at.state, status: 'waiting', input: spec });
  return WAIT;
}

function specFor(
  d: RunDraft,
  step: TaskStep | ApprovalStep,
  title: string,
  description: string | null,
): TaskCommandSpec | ApprovalCommandSpec {
  if (step.kind === 'task')
    return {
      kind: 'task',
      title,
      description,
      assignee: step.assignee,
      choices: step.choices,
      form: step.form,
      expiresAt: step.expiresInMs === null ? null : d.later(step.expiresInMs),
      onExpiry: step.onExpiry,
      remindEveryMs: step.remindEveryMs,
    };
  return {
    kind: 'approval',
    title,
    description,
    approvers: step.approvers,
    quorum: step.quorum,
    separationOfDuties: step.separationOfDuties,
    expiresAt: d.later(step.expiresInMs),
    onExpiry: step.onExpiry,
    escalateTo: step.escalateTo,
    remindEveryMs: step.remindEveryMs,
  };
}

/** The task's final outcome; null when the outcome does not apply to this kind (ignored). */
export function taskCompleted(step: TaskStep | ApprovalStep, event: TaskCompleted): StepOutcome | null {
  const by = Array.isArray(event.by) ? event.by : [];
  if (step.kind === 'task') {
    if (event.outcome === 'answered') return done(event.output, step.next);
    if (event.outcome !== 'expired') return null;
    if (step.onExpiry.outcome === 'choose') return done({ choice: step.onExpiry.choice }, step.next);
    return fail({ kind: 'expired', message: `task ${step.id} expired without an answer` });
  }
  switch (event.outcome) {
    case 'approved':
      return done({ approved: true, by }, step.next);
    case 'denied':
      if (step.onDeny !== null) return done({ approved: false, by }, step.onDeny);
      return fail({ kind: 'denied', message: `approval ${step.id} was denied by ${by.join(', ')}`, by });
    case 'expired':
      // An expired approval counts as a denial (escalation happens outside the engine, before this):
      // it takes the deny path when there is one, and fails as expired otherwise.
      if (step.onDeny !== null) return done({ approved: false, by: [], expired: true }, step.onDeny);
      return fail({ kind: 'expired', message: `approval ${step.id} expired without a decision` });
    default:
      return null;
  }
}
