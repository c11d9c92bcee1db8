/**
 * `${{ … }}` expressions: CEL, parsed and checked once when the playbook is compiled, evaluated by the
 * engine against an ExpressionScope. Evaluation is bounded on both sides (what is read, what is
 * returned), results are JSON, and failures are ExpressionErrors that never carry scope values.
 */
import { ParseError } from '@marcbachmann/cel-js';
import type { ParseResult } from '@marcbachmann/cel-js';
import type { CompiledExpression, ExpressionScope, MeasuredValues } from '../core/playbook.ts';
import { ALL_ROOTS, EVENT_ROOTS, EXPRESSION_LIMITS, ITEM_ROOTS, celEnvironment } from './cel-environment.ts';
import { ValueBoundsError, checkScopeValue, describeShape, toJsonValue } from './cel-value.ts';
import { withSuggestion } from './did-you-mean.ts';
import { ExpressionError } from './expression-error.ts';
import { affordableInPlace, expressionGuard, mayRunLong } from './expression-guard.ts';
import { collectReferences, countNodes } from './expression-references.ts';
import { withScopedFlags } from './regex-flags.ts';
import type { AstNode, ExpressionRead } from './expression-references.ts';

export { ExpressionError } from './expression-error.ts';

/** A compiled expression plus what compilation learned about it. */
export interface PlaybookExpression extends CompiledExpression {
  readonly reads: readonly ExpressionRead[];
  readonly readsSecrets: boolean;
  /** CEL's static type of the result (`bool`, `string`, `int`, `list<dyn>`, …), `dyn` when unknown. */
  readonly type: string;
}

export interface ExpressionOptions {
  /** The names the expression may read; all roots when omitted. */
  roots?: readonly string[];
}

/** Nested comprehensions multiply work by the list size at each level. */
export const MAX_MACRO_DEPTH = 2;

/** Names CEL itself defines that look like variables in the AST (`type(x) == int`, `optional.of`). */
const CEL_NAMES = new Set([
  'int',
  'uint',
  'double',
  'bool',
  'string',
  'bytes',
  'list',
  'map',
  'null_type',
  'type',
  'optional',
  'google',
]);

/** Compiles CEL source (without `${{ }}`); throws an ExpressionError with the offset of the problem. */
export function compileExpression(source: string, options: ExpressionOptions = {}): PlaybookExpression {
  const roots = options.roots ?? ALL_ROOTS;
  if (source.trim() === '')
    throw new ExpressionError(source, { reason: 'syntax', detail: 'the expression is empty' });
  if (source.length > EXPRESSION_LIMITS.maxSourceLength) {
    throw new ExpressionError(source, {
      reason: 'bounds',
      detail: `the expression is longer than ${EXPRESSION_LIMITS.maxSourceLength} characters`,
    });
  }
  const parsed = parseCel(source, roots);
  const references = collectReferences(parsed.ast);
  const { reads, macroDepth } = references;
  const ownReads = reads.filter((read) => !CEL_NAMES.has(read.path[0] as string));
  for (const read of ownReads) checkRoot(source, read, roots);
  if (macroDepth > MAX_MACRO_DEPTH) {
    throw new ExpressionError(source, {
      reason: 'bounds',
      detail: `comprehensions (all, exists, map, filter…) are nested ${macroDepth} deep; at most ${MAX_MACRO_DEPTH}`,
    });
  }
  const checked = parsed.check();
  if (!checked.valid) {
    throw new ExpressionError(source, {
      reason: 'type',
      detail: checked.error?.summary ?? 'the expression does not type-check',
      offset: checked.error?.range?.start ?? null,
    });
  }
  // RE2's leading `(?i)` in a `matches` pattern, as JavaScript's `(?i:…)`; errors keep the user's offsets.
  const rewritten = withScopedFlags(source, parsed.ast);
  const runnable = rewritten === null ? parsed : parseCel(rewritten, roots);
  const readsSecrets = ownReads.some((read) => read.path[0] === 'secrets');
  const rootsRead = [...new Set(ownReads.map((read) => read.path[0] as string))];
  const guarded: Guarded | null = mayRunLong(source, references)
    ? { roots, inPlace: affordableInPlace(source, references, countNodes(parsed.ast)) }
    : null;
  const prefilters = guarded ? quickConjuncts(source, parsed.ast, roots) : [];
  return {
    source,
    reads: ownReads,
    readsSecrets,
    type: checked.type ?? 'dyn',
    evaluate: (scope, measured) => {
      // `a && b` is false when either side is false, whatever the other would give (even an error):
      // a side that runs in place and is false settles it without the guard's round trip.
      for (const conjunct of prefilters) {
        try {
          if (conjunct.evaluate(scope, measured) === false) return false;
        } catch {
          // The whole expression, through the guard, gives the answer (or the error) as always.
        }
      }
      return evaluate(source, runnable, rootsRead, ownReads, scope, guarded, measured);
    },
  };
}

/**
 * The sides of a top-level `&&` chain that would run in place on their own (a guarded trigger is
 * often a cheap filter joined to a regular expression: `alert.format == "sentinel" &&
 * alert.title.matches(…)`), compiled from their own source.
 */
function quickConjuncts(
  source: string,
  ast: ParseResult['ast'],
  roots: readonly string[],
): PlaybookExpression[] {
  const sides: AstNode[] = [];
  const collect = (node: AstNode): void => {
    if (node.op !== '&&') return void sides.push(node);
    for (const side of node.args as AstNode[]) collect(side);
  };
  const root = ast as unknown as AstNode;
  if (root.op !== '&&') return [];
  collect(root);
  const quick: PlaybookExpression[] = [];
  for (const side of sides) {
    const text = source.slice(side.start, side.end);
    try {
      const parsedSide = parseCel(text, roots);
      // Only a side whose own text means exactly what it meant inside the whole (a node's span can
      // leave out a parenthesis around it and keep one inside).
      if (!sameTree(parsedSide.ast, side)) continue;
      if (!mayRunLong(text, collectReferences(parsedSide.ast)))
        quick.push(compileExpression(text, { roots }));
    } catch {
      // A side that does not stand alone is simply not used as a shortcut.
    }
  }
  return quick;
}

/** Two CEL syntax trees alike but for the offsets of their nodes. */
function sameTree(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameTree(item, b[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  if ('op' in left || 'op' in right)
    return left['op'] === right['op'] && sameTree(left['args'], right['args']);
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((k) => sameTree(left[k], right[k]));
}

function parseCel(source: string, roots: readonly string[]): ParseResult {
  try {
    return celEnvironment(roots).parse(source);
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    throw new ExpressionError(source, {
      reason: 'syntax',
      detail: error.summary,
      offset: error.range?.start ?? null,
    });
  }
}

function checkRoot(source: string, read: ExpressionRead, roots: readonly string[]): void {
  const name = read.path[0] as string;
  if (roots.includes(name)) return;
  const fail = (detail: string): never => {
    throw new ExpressionError(source, { reason: 'reference', detail, offset: read.start });
  };
  if ((ITEM_ROOTS as readonly string[]).includes(name))
    fail(`\`${name}\` is only available inside a for_each body`);
  if ((EVENT_ROOTS as readonly string[]).includes(name))
    fail('`event` is only available in a wait event match');
  if (ALL_ROOTS.includes(name))
    fail(`\`${name}\` is not available here; this expression can read ${roots.join(', ')}`);
  fail(withSuggestion(`unknown name \`${name}\`; expressions can read ${roots.join(', ')}`, name, roots));
}

function evaluate(
  source: string,
  parsed: ParseResult,
  rootsRead: readonly string[],
  reads: readonly ExpressionRead[],
  scope: ExpressionScope,
  guarded: Guarded | null,
  measured: MeasuredValues | undefined,
): unknown {
  const values = scope as unknown as Record<string, unknown>;
  const context: Record<string, unknown> = {};
  // Roots a run lacks (no alert on a manual run) read as null, so `alert != null` can test for them.
  for (const root of rootsRead) context[root] = values[root] ?? null;
  const read = measureReads(reads, context, measured);
  if (typeof read === 'string')
    fail(source, scope, reads, context, 'bounds', `${read} (read from the scope)`);
  const guard = guarded && !guarded.inPlace(read) ? expressionGuard() : null;
  if (guard) {
    const outcome = guard.evaluate(source, guarded!.roots, context);
    return outcome.ok ? outcome.value : fail(source, scope, reads, context, outcome.reason, outcome.detail);
  }
  let result: unknown;
  try {
    result = parsed(context);
  } catch (error) {
    fail(
      source,
      scope,
      reads,
      context,
      'evaluation',
      error instanceof Error ? ((error as { summary?: string }).summary ?? error.message) : 'failed',
    );
  }
  try {
    return toJsonValue(result);
  } catch (error) {
    const message = error instanceof Error ? error.message : 'the result cannot be converted';
    return fail(
      source,
      scope,
      reads,
      context,
      error instanceof ValueBoundsError ? 'bounds' : 'evaluation',
      `${message} (the result)`,
    );
  }
}

/** A guarded expression: the roots the guard may read, and whether it runs in place after all. */
interface Guarded {
  roots: readonly string[];
  /** Given how many values it reads now (see `affordableInPlace`). */
  inPlace: (values: number) => boolean;
}

/**
 * Every value the expression reads checked against the value bounds (each once, and not at all when
 * it is among the `measured` already); the first breach, or how many values they hold together.
 * Those within the bounds are added to `measured`, with their counts.
 */
function measureReads(
  reads: readonly ExpressionRead[],
  context: Record<string, unknown>,
  measured: MeasuredValues | undefined,
): string | number {
  const seen = measured ?? new Map<unknown, number>();
  const counted = new Set<unknown>();
  let total = 0;
  try {
    for (const read of reads) {
      const value = deepestValue(context, read.path).value;
      if (counted.has(value)) continue;
      counted.add(value);
      let count = seen.get(value);
      if (count === undefined) {
        count = checkScopeValue(value);
        seen.set(value, count);
      }
      total += count;
    }
  } catch (error) {
    if (error instanceof ValueBoundsError) return error.message;
    throw error;
  }
  return total;
}

function fail(
  source: string,
  scope: ExpressionScope,
  reads: readonly ExpressionRead[],
  context: Record<string, unknown>,
  reason: 'evaluation' | 'bounds',
  detail: string,
): never {
  throw new ExpressionError(source, {
    reason,
    detail: redact(detail, scope),
    shapes: shapesOf(reads, context),
  });
}

/** Secret values never appear in a message, whatever CEL or a function put there. */
function redact(message: string, scope: ExpressionScope): string {
  let text = message;
  for (const secret of Object.values(scope.secrets ?? {})) {
    if (typeof secret === 'string' && secret.length >= 3) text = text.split(secret).join('[redacted]');
  }
  return text;
}

function deepestValue(
  context: Record<string, unknown>,
  path: readonly string[],
): { depth: number; value: unknown } {
  let value: unknown = context;
  let depth = 0;
  for (const segment of path) {
    const next = childOf(value, segment);
    if (next === undefined) break;
    value = next;
    depth++;
  }
  return { depth, value: depth === 0 ? undefined : value };
}

function childOf(value: unknown, key: string): unknown {
  if (value instanceof Map) return value.get(key);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/** For each read, the deepest existing container on its path: where a missing key was looked for. */
function shapesOf(
  reads: readonly ExpressionRead[],
  context: Record<string, unknown>,
): Record<string, string> {
  const shapes: Record<string, string> = {};
  for (const read of reads) {
    const { depth } = deepestValue(context, read.path);
    // A fully resolved leaf is described through its parent, which shows its type beside its siblings.
    const keep = depth === read.path.length && depth > 1 ? depth - 1 : Math.max(depth, 1);
    const path = read.path.slice(0, keep);
    shapes[path.join('.')] = describeShape(deepestValue(context, path).value);
  }
  return shapes;
}
