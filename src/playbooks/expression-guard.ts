/**
 * CEL always terminates, but not always quickly: a comprehension nested in another over 10,000 items,
 * or a regular expression that backtracks, can hold the process for seconds. Expressions that could
 * do that are evaluated through a guard that stops them after a time limit. The guard is I/O (a
 * worker thread), so it is plugged in from outside this pure module, once, by the process that runs
 * playbooks; without one (validation, golden tests) every expression runs in place.
 */
export type GuardedResult =
  { ok: true; value: unknown } | { ok: false; reason: 'evaluation' | 'bounds'; detail: string };

export interface ExpressionGuard {
  /** Evaluates CEL `source` (which may read `roots`) against `context`; the value comes back JSON-safe. */
  evaluate(source: string, roots: readonly string[], context: Record<string, unknown>): GuardedResult;
}

let guard: ExpressionGuard | null = null;

export function setExpressionGuard(next: ExpressionGuard | null): void {
  guard = next;
}

export function expressionGuard(): ExpressionGuard | null {
  return guard;
}

/**
 * Whether an expression can run long: any comprehension macro, `cel.bind`, or a function whose cost
 * grows with its input in ways the size bounds do not cap (`matches`, `split`).
 */
export function mayRunLong(source: string, macroDepth: number): boolean {
  return macroDepth > 0 || /\b(matches|split|bind)\s*\(/.test(source);
}
