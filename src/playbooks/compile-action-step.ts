/** Steps that call out: an action from the catalogue, or another playbook. */
import { isMap } from 'yaml';
import type { ActionStep, SubPlaybookStep } from '../core/playbook.ts';
import { checkActionInputs } from './action-inputs.ts';
import type { ActionInput } from './action-inputs.ts';
import type { StepInput } from './step-input.ts';
import { compileValue } from './compile-value.ts';
import { withSuggestion } from './did-you-mean.ts';
import { objectTemplate } from './template.ts';
import type { PlaybookTemplate } from './template.ts';
import { expect, fieldOffset, offsetOf, readEntries, readSlug, scalarValue } from './yaml-reader.ts';
import type { Field } from './yaml-reader.ts';

const ACTION_ID = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

export function compileActionStep(input: StepInput): ActionStep | null {
  const { ctx, fields, base } = input;
  const usesField = fields.get('uses') as Field;
  const value = scalarValue(usesField);
  const uses = typeof value === 'string' ? value : null;
  const inputs = readWith(input);
  if (uses === null || !ACTION_ID.test(uses)) {
    return expect(ctx, usesField, 'an action id such as virustotal.lookup_ip');
  }
  const action = ctx.catalog.get(uses);
  if (action === undefined) {
    const known = ctx.catalog.list().map((definition) => definition.id);
    ctx.issues.error(
      fieldOffset(usesField),
      usesField.path,
      withSuggestion(`unknown action "${uses}"`, uses, known),
    );
    return null;
  }
  if (inputs === null) return null;
  const withField = fields.get('with');
  const offset = withField === undefined ? input.offset : offsetOf(withField.keyNode);
  checkActionInputs(ctx, action, inputs, { offset, path: input.path });
  return {
    ...base,
    // The step's own policy wins; without one, the action's defaults apply.
    retry: fields.has('retry') ? base.retry : action.retry,
    timeoutMs: fields.has('timeout') ? base.timeoutMs : action.timeoutMs,
    ...(base.react === undefined && action.react !== undefined ? { react: action.react } : {}),
    kind: 'action',
    uses,
    effect: action.effect,
    with: withTemplate(inputs),
  };
}

export function compilePlaybookStep(input: StepInput): SubPlaybookStep | null {
  const { ctx, fields, base } = input;
  const playbookField = fields.get('playbook') as Field;
  const playbook = readSlug(ctx, playbookField);
  if (playbook !== null && playbook === ctx.playbookId) {
    ctx.issues.error(
      fieldOffset(playbookField),
      playbookField.path,
      'a playbook cannot run itself as a sub-playbook',
    );
  }
  const inputs = readWith(input);
  if (playbook === null || inputs === null) return null;
  return { ...base, kind: 'playbook', playbook, with: withTemplate(inputs) };
}

/** The `with:` entries compiled one by one, so each input can be checked at its own position. */
function readWith(input: StepInput): Map<string, ActionInput> | null {
  const { ctx } = input;
  const withField = input.fields.get('with');
  const inputs = new Map<string, ActionInput>();
  if (withField === undefined || withField.value === null) return inputs;
  if (!isMap(withField.value)) return expect(ctx, withField, 'a mapping of input names to values');
  let ok = true;
  for (const [name, field] of readEntries(ctx, withField.value, withField.path)) {
    const template = compileValue(ctx, field.value, field.path, input.roots);
    if (template === null) ok = false;
    else inputs.set(name, { field, template });
  }
  return ok ? inputs : null;
}

function withTemplate(inputs: ReadonlyMap<string, ActionInput>): PlaybookTemplate {
  return objectTemplate(new Map([...inputs].map(([name, { template }]) => [name, template])));
}
