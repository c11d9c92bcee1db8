/**
 * One step: its kind (from the key that names it), the keys every kind shares (id, routing, retry,
 * timeout), and the hand-off to the kind's own compiler. Keys that exist but not for this kind get
 * their own message, since "unknown key" would mislead.
 */
import { isMap } from 'yaml';
import type { Node } from 'yaml';
import type { PlaybookStep, RetryPolicy, StepKind } from '../core/playbook.ts';
import { compileActionStep, compilePlaybookStep } from './compile-action-step.ts';
import type { CompileContext } from './compile-context.ts';
import {
  compileEndStep,
  compileFailStep,
  compileIfStep,
  compileSetStep,
  compileSwitchStep,
} from './compile-flow-steps.ts';
import { compileApprovalStep, compileTaskStep } from './compile-human-steps.ts';
import { compileForEachStep, compileParallelStep } from './compile-nested-steps.ts';
import { compileWaitStep } from './compile-wait-step.ts';
import { withSuggestion } from './did-you-mean.ts';
import {
  childPath,
  offsetOf,
  readBoolean,
  readDuration,
  readEntries,
  readInteger,
  readMapping,
  readNumber,
  readSlug,
  expect,
  scalarValue,
} from './yaml-reader.ts';
import type { Field } from './yaml-reader.ts';
import { ALL_COMMON_KEYS, KIND_FIELDS, KIND_KEYS } from './step-kinds.ts';
import { readReference } from './step-input.ts';
import type { BlockCompiler, StepBaseFields, StepInput } from './step-input.ts';

const KIND_COMPILERS: Record<StepKind, (input: StepInput) => PlaybookStep | null> = {
  action: compileActionStep,
  playbook: compilePlaybookStep,
  if: compileIfStep,
  switch: compileSwitchStep,
  for_each: compileForEachStep,
  parallel: compileParallelStep,
  set: compileSetStep,
  wait: compileWaitStep,
  task: compileTaskStep,
  approval: compileApprovalStep,
  end: compileEndStep,
  fail: compileFailStep,
};

const EVERY_KEY = new Set([
  'id',
  ...ALL_COMMON_KEYS,
  ...Object.values(KIND_FIELDS).flatMap((kind) => [...kind.own, ...kind.common]),
]);

/** A RE&CT response action id: RA, the stage digit, the area digit, two digits. */
const REACT_ID = /^RA[1-6]\d{3}$/;

/** Compiles one step into ctx.steps; returns its id when it has a valid one. */
export function compileStep(
  ctx: CompileContext,
  node: Node,
  path: string,
  block: string,
  roots: readonly string[],
  following: string | null,
  compileBlock: BlockCompiler,
): void {
  if (!isMap(node)) {
    readMapping(ctx, node, path, []);
    return;
  }
  const offset = offsetOf(node);
  const fields = readEntries(ctx, node, path);
  const kind = stepKind(ctx, fields, path, offset);
  const idField = fields.get('id');
  const id = idField === undefined ? null : readSlug(ctx, idField);
  if (idField === undefined)
    ctx.issues.error(offset, childPath(path, 'id'), `${path} is missing the required key "id"`);
  if (id !== null) registerId(ctx, id, offset, path);
  if (kind === null) return;
  checkKeys(ctx, fields, kind);
  const base = compileBase(ctx, fields, kind, { id: id ?? '', block, offset, following });
  const step = KIND_COMPILERS[kind]({ ctx, fields, base, roots, path, offset, following, compileBlock });
  if (step !== null && id !== null && !Object.hasOwn(ctx.steps, id)) ctx.steps[id] = step;
}

function stepKind(
  ctx: CompileContext,
  fields: Map<string, Field>,
  path: string,
  offset: number,
): StepKind | null {
  const kinds = (Object.keys(KIND_KEYS) as StepKind[]).filter((kind) => fields.has(KIND_KEYS[kind]));
  const [kind, other] = kinds;
  if (kind === undefined) {
    const keys = Object.values(KIND_KEYS).join(', ');
    ctx.issues.error(offset, path, `${path} does not say what it does: give it one of ${keys}`);
    for (const field of fields.values()) {
      if (!EVERY_KEY.has(field.key)) unknownKey(ctx, field, [...EVERY_KEY]);
    }
    return null;
  }
  if (other !== undefined) {
    const names = kinds.map((each) => `"${KIND_KEYS[each]}"`).join(' and ');
    ctx.issues.error(offset, path, `${path} has ${names}; a step is one kind only`);
    return null;
  }
  return kind;
}

function registerId(ctx: CompileContext, id: string, offset: number, path: string): void {
  const first = ctx.stepIds.get(id);
  if (first === undefined) {
    ctx.stepIds.set(id, { offset, path });
    return;
  }
  const { line } = ctx.issues.position(first.offset);
  ctx.issues.error(
    offset,
    childPath(path, 'id'),
    `duplicate step id "${id}" (first used at line ${line}, ${first.path})`,
  );
}

function checkKeys(ctx: CompileContext, fields: Map<string, Field>, kind: StepKind): void {
  const allowed = ['id', ...KIND_FIELDS[kind].own, ...KIND_FIELDS[kind].common];
  for (const field of fields.values()) {
    if (allowed.includes(field.key)) continue;
    if (EVERY_KEY.has(field.key)) {
      const message = `"${field.key}" does not apply to ${article(kind)} step`;
      ctx.issues.error(offsetOf(field.keyNode), field.path, `${message}${KIND_HINTS[kind] ?? ''}`);
    } else {
      unknownKey(ctx, field, allowed);
    }
  }
}

const KIND_HINTS: Partial<Record<StepKind, string>> = {
  if: ' (it goes on with then/else)',
  switch: ' (it goes on with cases/default)',
  end: ' (it ends its block)',
  fail: ' (it fails the run)',
};

function article(kind: StepKind): string {
  const name = kind === 'action' ? 'an action' : `a ${kind}`;
  return name.replace(/^a (if|end|approval)/, 'an $1');
}

function unknownKey(ctx: CompileContext, field: Field, allowed: readonly string[]): void {
  ctx.issues.error(
    offsetOf(field.keyNode),
    field.path,
    withSuggestion(`unknown key "${field.key}"`, field.key, allowed),
  );
}

function compileBase(
  ctx: CompileContext,
  fields: Map<string, Field>,
  kind: StepKind,
  at: { id: string; block: string; offset: number; following: string | null },
): StepBaseFields {
  const reference = (key: string): string | null => {
    const field = fields.get(key);
    return field === undefined ? null : readReference(ctx, field, at.id, at.block);
  };
  const continueField = fields.get('continue_on_error');
  const timeoutField = fields.get('timeout');
  const retryField = fields.get('retry');
  const explicitNext = fields.has('next') ? reference('next') : null;
  const react = readReact(ctx, fields.get('react'));
  return {
    ...(react === null ? {} : { react }),
    id: at.id,
    block: at.block,
    next: fields.has('next') ? explicitNext : at.following,
    onError: reference('on_error'),
    continueOnError: continueField === undefined ? false : (readBoolean(ctx, continueField) ?? false),
    retry: retryField === undefined ? null : readRetry(ctx, retryField),
    timeoutMs: timeoutField === undefined ? null : readDuration(ctx, timeoutField),
    position: ctx.issues.position(at.offset),
  };
}

function readReact(ctx: CompileContext, field: Field | undefined): string | null {
  if (field === undefined) return null;
  const value = scalarValue(field);
  if (typeof value === 'string' && REACT_ID.test(value)) return value;
  return expect(ctx, field, 'a RE&CT response action id such as RA3101');
}

export const RETRY_DEFAULTS = { backoffMs: 1_000, factor: 2, maxDelayMs: 300_000, jitter: true } as const;

function readRetry(ctx: CompileContext, field: Field): RetryPolicy | null {
  const fields = readMapping(
    ctx,
    field.value,
    field.path,
    ['attempts', 'backoff', 'factor', 'max_delay', 'jitter'],
    ['attempts'],
  );
  if (fields === null) return null;
  const read = <T>(key: string, reader: (item: Field) => T | null, fallback: T): T | null => {
    const item = fields.get(key);
    return item === undefined ? fallback : reader(item);
  };
  const attempts = read('attempts', (item) => readInteger(ctx, item, 1, 20), null);
  const backoffMs = read('backoff', (item) => readDuration(ctx, item, false), RETRY_DEFAULTS.backoffMs);
  const factor = read('factor', (item) => readNumber(ctx, item, 1, 10), RETRY_DEFAULTS.factor);
  const maxDelayMs = read('max_delay', (item) => readDuration(ctx, item), RETRY_DEFAULTS.maxDelayMs);
  const jitter = read('jitter', (item) => readBoolean(ctx, item), RETRY_DEFAULTS.jitter);
  if (attempts === null || backoffMs === null || factor === null || maxDelayMs === null || jitter === null)
    return null;
  return { attempts, backoffMs, factor, maxDelayMs, jitter };
}
