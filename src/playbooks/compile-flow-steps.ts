/** Steps that route or record without doing anything outside the run: if, switch, set, end, fail. */
import { isMap, isScalar } from 'yaml';
import type { Node, Pair } from 'yaml';
import type { EndStep, FailStep, IfStep, SetStep, SwitchStep, ValueTemplate } from '../core/playbook.ts';
import { readReference } from './step-input.ts';
import type { StepInput } from './step-input.ts';
import { compileValue, readExpression } from './compile-value.ts';
import { childPath, expect, offsetOf, SLUG, SLUG_HINT } from './yaml-reader.ts';
import type { Field } from './yaml-reader.ts';

function field(input: StepInput, key: string): Field {
  return input.fields.get(key) as Field;
}

function route(input: StepInput, key: string): string | null {
  const item = input.fields.get(key);
  if (item === undefined) return input.following;
  return readReference(input.ctx, item, input.base.id, input.base.block);
}

/** The pairs of a non-empty mapping whose keys are user data (case values, variable names). */
function pairsOf(input: StepInput, item: Field, expected: string): Field[] | null {
  if (!isMap(item.value) || item.value.items.length === 0) return expect(input.ctx, item, expected);
  return (item.value.items as Pair<Node, Node | null>[]).map((pair) => {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    return { key, keyNode: pair.key, value: pair.value ?? null, path: childPath(item.path, key) };
  });
}

export function compileIfStep(input: StepInput): IfStep | null {
  const condition = readExpression(input.ctx, field(input, 'if'), input.roots);
  const then = route(input, 'then');
  const otherwise = route(input, 'else');
  if (condition === null) return null;
  return { ...input.base, kind: 'if', condition, then, else: otherwise };
}

export function compileSwitchStep(input: StepInput): SwitchStep | null {
  const { ctx, base } = input;
  const value = readExpression(ctx, field(input, 'switch'), input.roots);
  const casesField = input.fields.get('cases');
  if (casesField === undefined) {
    ctx.issues.error(
      input.offset,
      childPath(input.path, 'cases'),
      `${input.path} is missing the required key "cases"`,
    );
  }
  const pairs =
    casesField === undefined ? null : pairsOf(input, casesField, 'a mapping of values to step ids');
  const cases = (pairs ?? []).map((pair) => ({
    match: pair.key,
    next: readReference(ctx, pair, base.id, base.block),
  }));
  const fallback = route(input, 'default');
  if (value === null || pairs === null) return null;
  return { ...base, kind: 'switch', value, cases, default: fallback };
}

export function compileSetStep(input: StepInput): SetStep | null {
  const { ctx } = input;
  const pairs = pairsOf(input, field(input, 'set'), 'a mapping of variable names to values');
  if (pairs === null) return null;
  const values: Record<string, ValueTemplate> = {};
  let ok = true;
  for (const pair of pairs) {
    if (!SLUG.test(pair.key)) {
      ctx.issues.error(offsetOf(pair.keyNode), pair.path, `variable name "${pair.key}" must be ${SLUG_HINT}`);
      ok = false;
      continue;
    }
    const template = compileValue(ctx, pair.value, pair.path, input.roots);
    if (template === null) ok = false;
    else values[pair.key] = template;
  }
  return ok ? { ...input.base, kind: 'set', values } : null;
}

export function compileEndStep(input: StepInput): EndStep | null {
  const endField = field(input, 'end');
  if (!isScalar(endField.value) || endField.value.value !== true) return expect(input.ctx, endField, 'true');
  return { ...input.base, next: null, kind: 'end' };
}

export function compileFailStep(input: StepInput): FailStep | null {
  const failField = field(input, 'fail');
  const value = isScalar(failField.value) ? failField.value.value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return expect(input.ctx, failField, 'a message');
  const message = compileValue(input.ctx, failField.value, failField.path, input.roots);
  return message === null ? null : { ...input.base, next: null, kind: 'fail', message };
}
