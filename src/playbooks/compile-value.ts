/**
 * Expressions and templates read from the YAML tree, with errors placed at the exact character in the
 * file (the scalar's position plus the offset inside the expression), and with what they read noted
 * for the playbook-wide checks (step ids, secret names).
 */
import { isMap, isScalar, isSeq } from 'yaml';
import type { Node, Scalar } from 'yaml';
import type { CompileContext } from './compile-context.ts';
import { ExpressionError } from './expression.ts';
import type { PlaybookExpression } from './expression.ts';
import { compileStringTemplate, listTemplate, literalTemplate, objectTemplate } from './template.ts';
import type { PlaybookTemplate } from './template.ts';
import { childPath, expect, offsetOf, readEntries } from './yaml-reader.ts';
import type { Field } from './yaml-reader.ts';

/** Compiles any YAML value as a template; null when it holds a bad expression (reported). */
export function compileValue(
  ctx: CompileContext,
  node: Node | null,
  path: string,
  roots: readonly string[],
): PlaybookTemplate | null {
  if (node === null) return literalTemplate(null);
  if (isScalar(node)) {
    return typeof node.value === 'string'
      ? compileScalarTemplate(ctx, node as Scalar<string>, path, roots)
      : literalTemplate(node.value);
  }
  if (isSeq(node)) {
    const items = node.items.map((item, index) =>
      compileValue(ctx, item as Node, childPath(path, index), roots),
    );
    return items.every((item) => item !== null) ? listTemplate(items as PlaybookTemplate[]) : null;
  }
  if (isMap(node)) {
    const entries = new Map<string, PlaybookTemplate>();
    let ok = true;
    for (const [key, field] of readEntries(ctx, node, path)) {
      const template = compileValue(ctx, field.value, field.path, roots);
      if (template === null) ok = false;
      else entries.set(key, template);
    }
    return ok ? objectTemplate(entries) : null;
  }
  ctx.issues.error(offsetOf(node), path, `${path} is not a value playbooks understand`);
  return null;
}

function compileScalarTemplate(
  ctx: CompileContext,
  node: Scalar<string>,
  path: string,
  roots: readonly string[],
): PlaybookTemplate | null {
  const value = node.value;
  try {
    const template = compileStringTemplate(value, { roots });
    for (const expression of template.expressions) {
      const at = value.indexOf(expression.source);
      noteReads(ctx, expression, node, at === -1 ? 0 : at, path);
    }
    return template;
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    ctx.issues.error(locate(ctx.text, node, error.offset ?? 0), path, `${path}: ${error.detail}`);
    return null;
  }
}

/** A field that must be exactly one `${{ expression }}`. */
export function readExpression(
  ctx: CompileContext,
  field: Field,
  roots: readonly string[],
): PlaybookExpression | null {
  const node = field.value;
  const value = isScalar(node) ? node.value : undefined;
  if (typeof value === 'boolean') return compileConstant(value);
  const template =
    typeof value === 'string'
      ? compileScalarTemplate(ctx, node as Scalar<string>, field.path, roots)
      : undefined;
  if (template === null) return null;
  const [only] = template?.expressions ?? [];
  const whole = typeof value === 'string' && value.startsWith('${{') && value.endsWith('}}');
  if (template === undefined || !whole || only === undefined || template.expressions.length > 1) {
    return expect(ctx, field, 'one expression written as ${{ … }}');
  }
  return only;
}

/** `if: true` and `alert: true` read as the constant expressions they mean. */
function compileConstant(value: boolean): PlaybookExpression {
  return { source: String(value), reads: [], readsSecrets: false, type: 'bool', evaluate: () => value };
}

function noteReads(
  ctx: CompileContext,
  expression: PlaybookExpression,
  node: Scalar<string>,
  sourceOffset: number,
  path: string,
): void {
  for (const read of expression.reads) {
    const [root, name] = read.path;
    if (root === 'secrets' && name !== undefined) ctx.secrets.add(name);
    if ((root === 'steps' || root === 'inputs') && name !== undefined) {
      ctx.namedReads.push({ root, name, offset: locate(ctx.text, node, sourceOffset + read.start), path });
    }
  }
}

/**
 * The file offset of a character of a scalar's value. Quotes, escapes and folding make the value and
 * its source text differ, so the value is found in the source by the text around the character.
 */
export function locate(text: string, node: Node, valueOffset: number): number {
  const [start = 0, end = start] = node.range ?? [];
  const raw = text.slice(start, end);
  const value = isScalar(node) && typeof node.value === 'string' ? node.value : '';
  const whole = value.length > 0 ? raw.indexOf(value) : -1;
  if (whole !== -1) return start + whole + valueOffset;
  const before = value.slice(Math.max(0, valueOffset - 24), valueOffset);
  const beforeAt = before.length >= 3 ? raw.indexOf(before) : -1;
  if (beforeAt !== -1) return start + beforeAt + before.length;
  const after = value.slice(valueOffset, valueOffset + 24);
  const afterAt = after.length >= 3 ? raw.indexOf(after) : -1;
  return afterAt === -1 ? start : start + afterAt;
}
