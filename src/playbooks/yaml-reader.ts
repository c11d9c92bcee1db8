/**
 * Typed reads from the YAML node tree. Each reader reports what is wrong at the node's position and
 * returns null, so compilation carries on and finds every problem in one pass.
 */
import { isMap, isScalar, isSeq } from 'yaml';
import type { Node, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { CompileContext } from './compile-context.ts';
import { parseDuration } from './duration.ts';
import { withSuggestion } from './did-you-mean.ts';

export interface Field {
  key: string;
  keyNode: Node;
  /** Null for `key:` with nothing after it. */
  value: Node | null;
  path: string;
}

export const SLUG = /^[a-z][a-z0-9_]{0,63}$/;
export const SLUG_HINT = 'a lowercase snake slug such as enrich_ip';

export function offsetOf(node: Node | null | undefined): number {
  return node?.range?.[0] ?? 0;
}

/** The node's value offset, falling back to its key when the value is empty. */
export function fieldOffset(field: Field): number {
  return offsetOf(field.value ?? field.keyNode);
}

export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const safe = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : JSON.stringify(key);
  return path === '' ? safe : `${path}.${safe}`;
}

function describe(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const value = node.value;
    if (value === null) return 'null';
    return typeof value === 'string' ? `the string "${truncate(value)}"` : `${typeof value} ${String(value)}`;
  }
  return 'something else';
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

export function expect(ctx: CompileContext, field: Field, expected: string): null {
  ctx.issues.error(
    fieldOffset(field),
    field.path,
    `${field.path} must be ${expected}, not ${describe(field.value)}`,
    expected,
  );
  return null;
}

/**
 * The fields of a mapping, with unknown keys reported (with a suggestion) and required ones checked.
 * Returns null when the node is not a mapping.
 */
export function readMapping(
  ctx: CompileContext,
  node: Node | null,
  path: string,
  allowed: readonly string[],
  required: readonly string[] = [],
): Map<string, Field> | null {
  if (!isMap(node)) {
    const what = path === '' ? 'the document' : path;
    ctx.issues.error(offsetOf(node), path, `${what} must be a mapping, not ${describe(node)}`, 'a mapping');
    return null;
  }
  const fields = readEntries(ctx, node, path);
  for (const [key, field] of fields) {
    if (allowed.includes(key)) continue;
    const where = path === '' ? 'at the top level' : `in ${path}`;
    ctx.issues.error(
      offsetOf(field.keyNode),
      field.path,
      withSuggestion(`unknown key "${key}" ${where}`, key, allowed),
    );
  }
  for (const key of required) {
    if (!fields.has(key)) {
      const what = path === '' ? 'the playbook' : path;
      ctx.issues.error(offsetOf(node), childPath(path, key), `${what} is missing the required key "${key}"`);
    }
  }
  return fields;
}

/** All entries of a mapping, keys as strings; non-scalar keys are refused. */
export function readEntries(ctx: CompileContext, node: YAMLMap, path: string): Map<string, Field> {
  const fields = new Map<string, Field>();
  for (const pair of node.items) {
    const keyNode = pair.key as Node | null;
    if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
      ctx.issues.error(offsetOf(keyNode ?? node), path, 'keys must be plain strings');
      continue;
    }
    const key = String(keyNode.value);
    fields.set(key, { key, keyNode, value: (pair.value as Node | null) ?? null, path: childPath(path, key) });
  }
  return fields;
}

export function scalarValue(field: Field): unknown {
  return isScalar(field.value) ? (field.value as Scalar).value : undefined;
}

export function readString(ctx: CompileContext, field: Field): string | null {
  const value = scalarValue(field);
  if (typeof value !== 'string' || value.trim() === '') return expect(ctx, field, 'a non-empty string');
  return value;
}

export function readSlug(ctx: CompileContext, field: Field): string | null {
  const value = scalarValue(field);
  if (typeof value !== 'string' || !SLUG.test(value)) return expect(ctx, field, SLUG_HINT);
  return value;
}

export function readBoolean(ctx: CompileContext, field: Field): boolean | null {
  const value = scalarValue(field);
  if (typeof value !== 'boolean') return expect(ctx, field, 'true or false');
  return value;
}

export function readInteger(ctx: CompileContext, field: Field, min: number, max: number): number | null {
  const value = scalarValue(field);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return expect(ctx, field, `a whole number from ${min} to ${max}`);
  }
  return value;
}

export function readNumber(ctx: CompileContext, field: Field, min: number, max: number): number | null {
  const value = scalarValue(field);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    return expect(ctx, field, `a number from ${min} to ${max}`);
  }
  return value;
}

export function readEnum<T extends string>(
  ctx: CompileContext,
  field: Field,
  values: readonly T[],
): T | null {
  const value = scalarValue(field);
  if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
  const expected = `one of ${values.join(', ')}`;
  const message = `${field.path} must be ${expected}, not ${describe(field.value)}`;
  ctx.issues.error(
    fieldOffset(field),
    field.path,
    typeof value === 'string' ? withSuggestion(message, value, values) : message,
    expected,
  );
  return null;
}

/** A duration (`30s`, `10m`, or milliseconds); `positive` refuses zero. */
export function readDuration(ctx: CompileContext, field: Field, positive = true): number | null {
  const value = scalarValue(field);
  if (typeof value === 'string' || typeof value === 'number') {
    try {
      const ms = parseDuration(value);
      if (!positive || ms > 0) return ms;
    } catch (error) {
      const reason = error instanceof RangeError ? `: ${error.message}` : '';
      ctx.issues.error(
        fieldOffset(field),
        field.path,
        `${field.path} is not a valid duration${reason}`,
        DURATION_HINT,
      );
      return null;
    }
  }
  return expect(ctx, field, positive ? `a duration above zero, ${DURATION_HINT}` : DURATION_HINT);
}

const DURATION_HINT = 'a duration such as 500ms, 30s, 10m, 4h, 2d';

export function readSequence(ctx: CompileContext, field: Field, nonEmpty = true): Node[] | null {
  if (!isSeq(field.value)) return expect(ctx, field, nonEmpty ? 'a non-empty list' : 'a list');
  const items = (field.value as YAMLSeq).items as Node[];
  if (nonEmpty && items.length === 0) return expect(ctx, field, 'a non-empty list');
  return items;
}

/** A list of distinct strings, each checked by `check` (which reports and returns false when wrong). */
export function readStringList(
  ctx: CompileContext,
  field: Field,
  check: (item: Field) => boolean = (item) => readString(ctx, item) !== null,
): string[] | null {
  const items = readSequence(ctx, field, false);
  if (items === null) return null;
  const values: string[] = [];
  let ok = true;
  items.forEach((node, index) => {
    const item: Field = {
      key: String(index),
      keyNode: node,
      value: node,
      path: childPath(field.path, index),
    };
    if (!check(item)) {
      ok = false;
      return;
    }
    const value = String(scalarValue(item));
    if (values.includes(value)) {
      ctx.issues.error(offsetOf(node), item.path, `"${value}" is listed twice in ${field.path}`);
      ok = false;
    }
    values.push(value);
  });
  return ok ? values : null;
}
