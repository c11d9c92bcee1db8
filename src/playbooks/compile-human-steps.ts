/** Steps that wait for people: a task (a choice or a form) and an approval (with a quorum). */
import { isScalar } from 'yaml';
import type { Node } from 'yaml';
import type { ApprovalStep, Assignee, FormField, TaskStep, ValueTemplate } from '../core/playbook.ts';
import type { CompileContext } from './compile-context.ts';
import { readReference } from './step-input.ts';
import type { StepInput } from './step-input.ts';
import { compileValue } from './compile-value.ts';
import {
  childPath,
  expect,
  fieldOffset,
  offsetOf,
  readBoolean,
  readDuration,
  readEnum,
  readInteger,
  readMapping,
  readSequence,
  readSlug,
  readString,
  readStringList,
  scalarValue,
} from './yaml-reader.ts';
import type { Field } from './yaml-reader.ts';

const TASK_KEYS = [
  'title',
  'description',
  'assignee',
  'choices',
  'form',
  'expires_in',
  'on_expiry',
  'remind_every',
];
const APPROVAL_KEYS = [
  'title',
  'description',
  'approvers',
  'quorum',
  'separation_of_duties',
  'expires_in',
  'on_expiry',
  'escalate_to',
  'remind_every',
];
const FORM_TYPES = ['string', 'text', 'number', 'boolean', 'choice'] as const;
export const MAX_QUORUM = 20;

/** Runs `read` on the field when present; `fallback` when absent. */
function optional<T>(
  fields: Map<string, Field>,
  key: string,
  read: (field: Field) => T | null,
  fallback: T,
): T | null {
  const field = fields.get(key);
  return field === undefined ? fallback : read(field);
}

export function compileTaskStep(input: StepInput): TaskStep | null {
  const { ctx } = input;
  const taskField = input.fields.get('task') as Field;
  const fields = readMapping(ctx, taskField.value, taskField.path, TASK_KEYS, ['title', 'assignee']);
  if (fields === null) return null;
  const title = optional(fields, 'title', (field) => readText(ctx, field, input.roots), null);
  const description = optional(fields, 'description', (field) => readText(ctx, field, input.roots), null);
  const assignee = optional(fields, 'assignee', (field) => readAssignee(ctx, field), null);
  const choices = optional(fields, 'choices', (field) => readStringList(ctx, field), null);
  const form = optional(fields, 'form', (field) => readForm(ctx, field), null);
  if (fields.has('choices') === fields.has('form')) {
    ctx.issues.error(
      fieldOffset(taskField),
      taskField.path,
      `${taskField.path} needs exactly one of choices or form`,
    );
    return null;
  }
  const expiresInMs = optional(fields, 'expires_in', (field) => readDuration(ctx, field), null);
  const remindEveryMs = optional(fields, 'remind_every', (field) => readDuration(ctx, field), null);
  const onExpiry = optional(fields, 'on_expiry', (field) => readTaskExpiry(ctx, field, choices), {
    outcome: 'fail' as const,
  });
  if (title === null || assignee === null || onExpiry === null) return null;
  if ((fields.has('choices') && choices === null) || (fields.has('form') && form === null)) return null;
  return {
    ...input.base,
    kind: 'task',
    title,
    description,
    assignee,
    choices,
    form,
    expiresInMs,
    onExpiry,
    remindEveryMs,
  };
}

function readTaskExpiry(
  ctx: CompileContext,
  field: Field,
  choices: string[] | null,
): TaskStep['onExpiry'] | null {
  if (scalarValue(field) === 'fail') return { outcome: 'fail' };
  const fields = readMapping(ctx, field.value, field.path, ['choose'], ['choose']);
  const chooseField = fields?.get('choose');
  if (chooseField === undefined)
    return isScalar(field.value) ? expect(ctx, field, 'fail or { choose: <choice> }') : null;
  const choice = readString(ctx, chooseField);
  if (choice === null) return null;
  if (choices === null || !choices.includes(choice)) {
    return expect(
      ctx,
      chooseField,
      choices === null ? 'a choice, and the task to have choices' : `one of ${choices.join(', ')}`,
    );
  }
  return { outcome: 'choose', choice };
}

function readForm(ctx: CompileContext, field: Field): FormField[] | null {
  const items = readSequence(ctx, field);
  if (items === null) return null;
  const ids = new Set<string>();
  const form = items.map((node: Node, index) => {
    const path = childPath(field.path, index);
    const fields = readMapping(
      ctx,
      node,
      path,
      ['id', 'label', 'type', 'required', 'options'],
      ['id', 'label', 'type'],
    );
    if (fields === null) return null;
    const id = optional(fields, 'id', (item) => readSlug(ctx, item), null);
    const label = optional(fields, 'label', (item) => readString(ctx, item), null);
    const type = optional(fields, 'type', (item) => readEnum(ctx, item, FORM_TYPES), null);
    const required = optional(fields, 'required', (item) => readBoolean(ctx, item), false);
    const options = optional(fields, 'options', (item) => readStringList(ctx, item), undefined);
    if (id !== null && ids.has(id))
      ctx.issues.error(offsetOf(node), path, `form field id "${id}" is used twice`);
    if (id !== null) ids.add(id);
    if (type === 'choice' && (options === undefined || options?.length === 0)) {
      ctx.issues.error(offsetOf(node), path, `${path} is a choice and needs options`);
      return null;
    }
    if (type !== 'choice' && type !== null && options !== undefined) {
      ctx.issues.error(
        offsetOf(node),
        childPath(path, 'options'),
        `options only apply to fields of type choice`,
      );
      return null;
    }
    if (id === null || label === null || type === null || required === null || options === null) return null;
    const result: FormField = { id, label, type, required };
    if (options !== undefined) result.options = options;
    return result;
  });
  return form.every((item) => item !== null) ? (form as FormField[]) : null;
}

export function compileApprovalStep(input: StepInput): ApprovalStep | null {
  const { ctx, base } = input;
  const approvalField = input.fields.get('approval') as Field;
  const fields = readMapping(ctx, approvalField.value, approvalField.path, APPROVAL_KEYS, [
    'title',
    'approvers',
    'expires_in',
  ]);
  const onDenyField = input.fields.get('on_deny');
  const onDeny = onDenyField === undefined ? null : readReference(ctx, onDenyField, base.id, base.block);
  if (fields === null) return null;
  const title = optional(fields, 'title', (field) => readText(ctx, field, input.roots), null);
  const description = optional(fields, 'description', (field) => readText(ctx, field, input.roots), null);
  const approvers = optional(fields, 'approvers', (field) => readAssignee(ctx, field), null);
  const quorum = optional(fields, 'quorum', (field) => readInteger(ctx, field, 1, MAX_QUORUM), 1);
  const separationOfDuties = optional(
    fields,
    'separation_of_duties',
    (field) => readBoolean(ctx, field),
    true,
  );
  const expiresInMs = optional(fields, 'expires_in', (field) => readDuration(ctx, field), null);
  const onExpiry = optional(
    fields,
    'on_expiry',
    (field) => readEnum(ctx, field, ['deny', 'escalate'] as const),
    'deny',
  );
  const escalateTo = optional(fields, 'escalate_to', (field) => readAssignee(ctx, field), null);
  const remindEveryMs = optional(fields, 'remind_every', (field) => readDuration(ctx, field), null);
  if (onExpiry === 'escalate' && !fields.has('escalate_to')) {
    ctx.issues.error(
      fieldOffset(approvalField),
      childPath(approvalField.path, 'escalate_to'),
      'on_expiry: escalate needs escalate_to',
    );
  }
  if (onExpiry !== 'escalate' && fields.has('escalate_to')) {
    const field = fields.get('escalate_to') as Field;
    ctx.issues.error(fieldOffset(field), field.path, 'escalate_to only applies with on_expiry: escalate');
  }
  if (approvers?.user !== undefined && quorum !== null && quorum > 1) {
    const field = fields.get('quorum') as Field;
    ctx.issues.error(
      fieldOffset(field),
      field.path,
      `a quorum of ${quorum} cannot be reached by a single user`,
    );
  }
  if (title === null || approvers === null || quorum === null || separationOfDuties === null) return null;
  if (expiresInMs === null || onExpiry === null) return null;
  return {
    ...base,
    kind: 'approval',
    title,
    description,
    approvers,
    quorum,
    separationOfDuties,
    expiresInMs,
    onExpiry,
    escalateTo,
    remindEveryMs,
    onDeny,
  };
}

/** Who: `{ role: analyst }` or `{ user: alice }`, exactly one. */
function readAssignee(ctx: CompileContext, field: Field): Assignee | null {
  const fields = readMapping(ctx, field.value, field.path, ['role', 'user']);
  if (fields === null) return null;
  const role = fields.get('role');
  const user = fields.get('user');
  if ((role === undefined) === (user === undefined))
    return expect(ctx, field, '{ role: <role> } or { user: <user> }');
  if (role !== undefined) {
    const value = readSlug(ctx, role);
    return value === null ? null : { role: value };
  }
  const value = readString(ctx, user as Field);
  return value === null ? null : { user: value };
}

/** A title or description: text that may interpolate expressions. */
function readText(ctx: CompileContext, field: Field, roots: readonly string[]): ValueTemplate | null {
  const value = scalarValue(field);
  if (typeof value !== 'string' || value.trim() === '') return expect(ctx, field, 'a non-empty string');
  return compileValue(ctx, field.value, field.path, roots);
}
