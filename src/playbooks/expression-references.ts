/**
 * What an expression reads, found by walking its CEL AST once at compile time: the static paths from
 * each root (`steps.lookup.output.score`), so validation can check step ids and roots, the compiler can
 * collect secret names, and evaluation can bound and describe exactly the values that were read.
 */
import type { ASTNode } from '@marcbachmann/cel-js';

export interface ExpressionRead {
  /** Root name first: `['steps', 'lookup', 'output']`. */
  path: string[];
  /** Offsets of the whole access in the expression source. */
  start: number;
  end: number;
}

export interface ExpressionReferences {
  reads: ExpressionRead[];
  /** Deepest nesting of comprehension macros (all, exists, map, …). */
  macroDepth: number;
  /**
   * Whether a comprehension's body reads a root (`alert.title` inside `exists(o, …)`) rather than only
   * its own variables: such a body's cost is the list's length times that value's size.
   */
  rootReadInMacro: boolean;
}

const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);
const ACCESS = new Set(['.', '.?']);
const INDEX = new Set(['[]', '[?]']);

/** The loose view of a node the walk needs; the library's node union is stricter than useful here. */
export interface AstNode {
  op: string;
  args: unknown;
  start: number;
  end: number;
}

export function collectReferences(ast: ASTNode): ExpressionReferences {
  const result: ExpressionReferences = { reads: [], macroDepth: 0, rootReadInMacro: false };
  visit(ast as unknown as AstNode, new Set(), 0, result);
  return result;
}

function record(out: ExpressionReferences, depth: number, read: ExpressionRead): void {
  out.reads.push(read);
  if (depth > 0) out.rootReadInMacro = true;
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}

function visit(node: AstNode, bound: ReadonlySet<string>, depth: number, out: ExpressionReferences): void {
  if (node.op === 'value') return;
  if (node.op === 'id') {
    const name = node.args as string;
    if (!bound.has(name)) record(out, depth, { path: [name], start: node.start, end: node.end });
    return;
  }
  if (ACCESS.has(node.op) || (INDEX.has(node.op) && literalKey(node) !== null)) {
    visitAccess(node, bound, depth, out);
    return;
  }
  if (node.op === 'rcall') {
    visitMethodCall(node, bound, depth, out);
    return;
  }
  visitChildren(node.args, bound, depth, out);
}

/** A `.field` or `["key"]` chain: recorded as one read when it starts at a free identifier. */
function visitAccess(
  node: AstNode,
  bound: ReadonlySet<string>,
  depth: number,
  out: ExpressionReferences,
): void {
  const segments: string[] = [];
  let current = node;
  for (;;) {
    const args = current.args as [unknown, unknown];
    const key = ACCESS.has(current.op)
      ? (args[1] as string)
      : INDEX.has(current.op)
        ? literalKey(current)
        : null;
    if (key === null || !isNode(args[0])) break;
    segments.unshift(key);
    current = args[0];
  }
  if (current.op === 'id' && !bound.has(current.args as string)) {
    record(out, depth, { path: [current.args as string, ...segments], start: node.start, end: node.end });
    return;
  }
  visit(current, bound, depth, out);
}

function literalKey(node: AstNode): string | null {
  const index = (node.args as unknown[])[1];
  if (!isNode(index) || index.op !== 'value') return null;
  return typeof index.args === 'string' ? index.args : null;
}

function visitMethodCall(
  node: AstNode,
  bound: ReadonlySet<string>,
  depth: number,
  out: ExpressionReferences,
): void {
  const [name, receiver, args] = node.args as [string, AstNode, unknown[]];
  const isBind = name === 'bind' && receiver.op === 'id' && receiver.args === 'cel';
  if (!isBind) visit(receiver, bound, depth, out);
  if (!isBind && !COMPREHENSIONS.has(name)) {
    visitChildren(args, bound, depth, out);
    return;
  }
  // Leading bare identifiers are the macro's variables; they are bound in what follows them.
  const inner = new Set(bound);
  let index = 0;
  for (; index < args.length - 1; index++) {
    const arg = args[index];
    if (!isNode(arg) || arg.op !== 'id') break;
    inner.add(arg.args as string);
  }
  const nextDepth = isBind ? depth : depth + 1;
  out.macroDepth = Math.max(out.macroDepth, nextDepth);
  for (const arg of args.slice(index)) {
    // cel.bind's initial value is evaluated outside the binding.
    const scope = isBind && arg === args[1] ? bound : inner;
    if (isNode(arg)) visit(arg, scope, nextDepth, out);
  }
}

function visitChildren(
  args: unknown,
  bound: ReadonlySet<string>,
  depth: number,
  out: ExpressionReferences,
): void {
  if (isNode(args)) return visit(args, bound, depth, out);
  if (!Array.isArray(args)) return;
  for (const child of args) visitChildren(child, bound, depth, out);
}

/** How many nodes a syntax tree has (an expression's size, for the cost of running it in place). */
export function countNodes(ast: ASTNode): number {
  const count = (value: unknown): number => {
    if (Array.isArray(value)) return value.reduce((sum: number, child) => sum + count(child), 0);
    return isNode(value) ? 1 + count(value.args) : 0;
  };
  return count(ast);
}
