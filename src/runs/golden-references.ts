/**
 * Checks what a golden test file names against the compiled playbook: a mock for a step that does not
 * exist, an answer a task would refuse, a read action listed as something the playbook does. Each is
 * a mistake in the test, reported at its line and column before any case runs.
 */
import type { ActionCatalog } from '../core/action.ts';
import type { PlaybookPlan, PlaybookStep } from '../core/playbook.ts';
import { withSuggestion } from '../playbooks/did-you-mean.ts';
import type { GoldenAnswer, GoldenFile, GoldenReference } from './golden-test-file.ts';

const ACTION_ID = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;

/** `each_ip[2].lookup` → `lookup`. */
export function stepIdOf(key: string): string {
  return key.slice(key.lastIndexOf('.') + 1);
}

/** The step a key names, when every loop segment of it is a for_each of the plan. */
function stepOfKey(plan: PlaybookPlan, key: string): PlaybookStep | undefined {
  const segments = key.split('.');
  for (const segment of segments.slice(0, -1)) {
    const loop = /^([a-z][a-z0-9_]*)\[\d+\]$/.exec(segment);
    if (!loop || plan.steps[loop[1]!]?.kind !== 'for_each') return undefined;
  }
  return plan.steps[segments.at(-1) ?? ''];
}

export function checkReferences(test: GoldenFile, plan: PlaybookPlan, catalog: ActionCatalog): void {
  const steps = Object.values(plan.steps);
  const ids = (kinds: readonly string[]) => steps.filter((s) => kinds.includes(s.kind)).map((s) => s.id);
  const used = [...new Set(steps.flatMap((s) => (s.kind === 'action' ? [s.uses] : [])))];
  const effectful = used.filter((id) => catalog.get(id)?.effect !== 'read');
  const report = (ref: GoldenReference, message: string, candidates: string[] = []) =>
    test.issues.error(ref.offset, ref.path, withSuggestion(message, stepIdOf(ref.name), candidates));
  for (const ref of test.references) {
    const step = stepOfKey(plan, ref.name);
    const what = (kinds: string[], label: string) => {
      if (step && kinds.includes(step.kind)) return true;
      const found = step ? ` (${step.id} is a ${step.kind} step)` : '';
      report(ref, `${ref.path}: "${ref.name}" is not a ${label} of playbook ${plan.id}${found}`, ids(kinds));
      return false;
    };
    switch (ref.kind) {
      case 'mock':
        if (used.includes(ref.name) || (step && ['action', 'playbook'].includes(step.kind))) break;
        test.issues.error(
          ref.offset,
          ref.path,
          withSuggestion(
            `${ref.path}: playbook ${plan.id} has no action or playbook step "${ref.name}", and uses no action "${ref.name}"`,
            ACTION_ID.test(ref.name) ? ref.name : stepIdOf(ref.name),
            ACTION_ID.test(ref.name) ? used : ids(['action', 'playbook']),
          ),
        );
        break;
      case 'answer': {
        if (!what(['task', 'approval'], 'task or approval step') || !step || !ref.answer) break;
        const problem = answerProblem(step, ref.answer.answer);
        if (problem !== null) test.issues.error(ref.answer.offset, ref.path, `${ref.path}: ${problem}`);
        break;
      }
      case 'asked':
        what(['task', 'approval'], 'task or approval step');
        break;
      case 'event':
        if (what(['wait'], 'wait step') && step?.kind === 'wait' && step.wait.mode !== 'event')
          report(ref, `${ref.path}: ${step.id} waits for a ${step.wait.mode}, not an event`);
        break;
      case 'step':
        if (!step)
          report(ref, `${ref.path}: playbook ${plan.id} has no step "${ref.name}"`, Object.keys(plan.steps));
        break;
      case 'effect': {
        const effect = catalog.get(ref.name)?.effect;
        if (effect === 'read')
          report(
            ref,
            `${ref.path}: ${ref.name} is a read action; expect.actions lists what the playbook does (write and destructive actions)`,
          );
        else if (!effectful.includes(ref.name))
          test.issues.error(
            ref.offset,
            ref.path,
            withSuggestion(
              `${ref.path}: playbook ${plan.id} uses no write or destructive action "${ref.name}"`,
              ref.name,
              effectful,
            ),
          );
        break;
      }
    }
  }
}

/** What the task service would refuse, or what cannot happen to this step; null when the answer fits. */
export function answerProblem(step: PlaybookStep, answer: GoldenAnswer): string | null {
  if (step.kind === 'approval')
    return answer.kind === 'decision' ? null : `${step.id} is an approval: answer approve, deny or expire`;
  if (step.kind !== 'task') return null;
  switch (answer.kind) {
    case 'decision':
      if (answer.decision !== 'expire')
        return `${step.id} is a task: answer { choice }, { values } or expire`;
      return step.expiresInMs === null ? `task ${step.id} has no expires_in, so it cannot expire` : null;
    case 'choice':
      if (step.choices === null) return `task ${step.id} has a form: answer { values: … }`;
      return step.choices.includes(answer.choice)
        ? null
        : withSuggestion(
            `"${answer.choice}" is not one of the choices of ${step.id}: ${step.choices.join(', ')}`,
            answer.choice,
            step.choices,
          );
    case 'values': {
      if (step.form === null) return `task ${step.id} has choices: answer { choice: … }`;
      const fields = step.form.map((f) => f.id);
      const unknown = Object.keys(answer.values).find((k) => !fields.includes(k));
      if (unknown !== undefined)
        return withSuggestion(`the form of ${step.id} has no field "${unknown}"`, unknown, fields);
      const missing = step.form.find((f) => f.required && answer.values[f.id] === undefined);
      return missing ? `the form of ${step.id} requires "${missing.id}"` : null;
    }
  }
}
