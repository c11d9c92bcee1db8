/** Reading one case of a golden test file: its inputs, mocks, answers and events. */
import { isMap, isScalar, isSeq } from 'yaml';
import type { Node } from 'yaml';
import type { StepFailure } from '../engine/engine-types.ts';
import type { CompileContext } from '../playbooks/compile-context.ts';
import type { Field } from '../playbooks/yaml-reader.ts';
import {
  childPath,
  expect,
  fieldOffset,
  offsetOf,
  readBoolean,
  readDuration,
  readEntries,
  readEnum,
  readMapping,
  readSequence,
  readString,
  readStringList,
} from '../playbooks/yaml-reader.ts';
import { mapping, toJson, type GoldenAnswer, type GoldenCase, type GoldenReference } from './golden-case.ts';
import { readExpect } from './golden-expect-reader.ts';
import type { ActionResult, EventDecision } from './simulation.ts';

const CASE_KEYS = [
  'name',
  'alert',
  'alert_file',
  'case',
  'grouped_after',
  'inputs',
  'secrets',
  'mocks',
  'answers',
  'events',
  'expect',
];

export function readCase(
  ctx: CompileContext,
  node: Node,
  path: string,
  references: GoldenReference[],
): GoldenCase | null {
  const fields = readMapping(ctx, node, path, CASE_KEYS, ['name', 'expect']);
  if (fields === null) return null;
  const nameField = fields.get('name');
  const name = nameField ? readString(ctx, nameField) : null;
  const json = (key: string) => {
    const f = fields.get(key);
    return f ? toJson(f) : undefined;
  };
  const object = (key: string): Record<string, unknown> => {
    const f = fields.get(key);
    if (!f) return {};
    if (!isMap(f.value)) return expect(ctx, f, 'a mapping') ?? {};
    return toJson(f) as Record<string, unknown>;
  };
  if (fields.has('alert') && fields.has('alert_file'))
    ctx.issues.error(offsetOf(fields.get('alert_file')!.keyNode), path, 'give alert or alert_file, not both');
  const alertFileField = fields.get('alert_file');
  const alertFile = alertFileField ? readString(ctx, alertFileField) : null;
  const secrets = object('secrets');
  for (const [key, value] of Object.entries(secrets))
    if (typeof value !== 'string')
      ctx.issues.error(
        offsetOf(fields.get('secrets')!.value),
        `${path}.secrets.${key}`,
        `secret ${key} must be a string`,
      );
  const groupedField = fields.get('grouped_after');
  const groupedAfterMs = groupedField ? readDuration(ctx, groupedField) : null;
  const expectField = fields.get('expect');
  const expected = expectField ? readExpect(ctx, expectField, references) : null;
  const mocks = new Map<string, ActionResult[]>();
  const answers: GoldenCase['answers'] = new Map();
  const events = new Map<string, EventDecision>();
  const each = (
    key: string,
    kind: GoldenReference['kind'],
    read: (field: Field, reference: GoldenReference) => void,
  ) => {
    const f = fields.get(key);
    if (!f || !mapping(ctx, f)) return;
    for (const [name, item] of readEntries(ctx, f.value as never, f.path)) {
      const reference: GoldenReference = { kind, name, offset: offsetOf(item.keyNode), path: item.path };
      references.push(reference);
      read(item, reference);
    }
  };
  each('mocks', 'mock', (item) => {
    const results = readMock(ctx, item);
    if (results !== null) mocks.set(item.key, results);
  });
  each('answers', 'answer', (item, reference) => {
    const answer = readAnswer(ctx, item);
    if (answer === null) return;
    answers.set(item.key, answer);
    reference.answer = { answer, offset: fieldOffset(item) };
  });
  each('events', 'event', (item) => {
    if (isScalar(item.value) && item.value.value === 'timeout') return events.set(item.key, 'timeout');
    const f = readMapping(ctx, item.value, item.path, ['payload'], ['payload']);
    const payload = f?.get('payload');
    if (payload) events.set(item.key, { payload: toJson(payload) });
  });
  if (name === null || expected === null) return null;
  const line = ctx.issues.position(offsetOf(node)).line;
  return {
    name,
    line,
    ...(fields.has('alert') ? { alert: json('alert') } : {}),
    ...(alertFile !== null && alertFileField
      ? { alertFile: { path: alertFile, offset: fieldOffset(alertFileField) } }
      : {}),
    ...(fields.has('case') ? { case: json('case') } : {}),
    ...(groupedAfterMs !== null ? { groupedAfterMs } : {}),
    inputs: object('inputs'),
    secrets: secrets as Record<string, string>,
    mocks,
    answers,
    events,
    expect: expected,
  };
}

/** `{ output }`, `{ error }`, or a list of those, one per attempt. */
function readMock(ctx: CompileContext, field: Field): ActionResult[] | null {
  const one = (item: Field): ActionResult | null => {
    const fields = readMapping(ctx, item.value, item.path, ['output', 'error']);
    if (fields === null) return null;
    const output = fields.get('output');
    const error = fields.get('error');
    if ((output === undefined) === (error === undefined)) {
      ctx.issues.error(offsetOf(item.value), item.path, `${item.path} needs exactly one of output or error`);
      return null;
    }
    if (output) return { output: toJson(output) };
    const failure = error && readFailure(ctx, error);
    return failure ? { error: failure } : null;
  };
  if (!isSeq(field.value)) {
    const result = one(field);
    return result === null ? null : [result];
  }
  const items = readSequence(ctx, field);
  if (items === null) return null;
  const results = items.map((node, index) =>
    one({ key: String(index), keyNode: node, value: node, path: childPath(field.path, index) }),
  );
  return results.every((r) => r !== null) ? (results as ActionResult[]) : null;
}

function readFailure(ctx: CompileContext, field: Field): StepFailure | null {
  const fields = readMapping(
    ctx,
    field.value,
    field.path,
    ['message', 'code', 'retryable', 'kind'],
    ['message'],
  );
  if (fields === null) return null;
  const message = fields.get('message') ? readString(ctx, fields.get('message')!) : null;
  const kindField = fields.get('kind');
  const kind = kindField ? readEnum(ctx, kindField, ['action', 'timeout'] as const) : 'action';
  const codeField = fields.get('code');
  const code = codeField ? readString(ctx, codeField) : 'mock_error';
  const retryableField = fields.get('retryable');
  const retryable = retryableField ? readBoolean(ctx, retryableField) : true;
  if (message === null || kind === null || code === null || retryable === null) return null;
  return kind === 'timeout' ? { kind, message, timeoutMs: 0 } : { kind, code, message, retryable };
}

function readAnswer(ctx: CompileContext, field: Field): GoldenAnswer | null {
  if (isScalar(field.value)) {
    const decision = readEnum(ctx, field, ['approve', 'deny', 'expire'] as const);
    return decision === null ? null : { kind: 'decision', decision };
  }
  const fields = readMapping(ctx, field.value, field.path, ['choice', 'values', 'decision', 'reason', 'by']);
  if (fields === null) return null;
  const forms = ['choice', 'values', 'decision'].filter((k) => fields.has(k));
  if (forms.length !== 1) {
    ctx.issues.error(
      offsetOf(field.value),
      field.path,
      `${field.path} needs exactly one of choice, values or decision`,
    );
    return null;
  }
  const byField = fields.get('by');
  const by = byField ? readStringList(ctx, byField) : undefined;
  if (by === null) return null;
  const who = by === undefined ? {} : { by };
  const choice = fields.get('choice');
  if (choice) {
    const value = readString(ctx, choice);
    return value === null ? null : { kind: 'choice', choice: value, ...who };
  }
  const values = fields.get('values');
  if (values)
    return mapping(ctx, values)
      ? { kind: 'values', values: toJson(values) as Record<string, unknown>, ...who }
      : null;
  const decision = readEnum(ctx, fields.get('decision')!, ['approve', 'deny', 'expire'] as const);
  return decision === null ? null : { kind: 'decision', decision, ...who };
}
