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
 * Whether an expression can run long: nested comprehension macros; a comprehension whose body reads
 * more than its own variables (its cost is the list's length times the size of what it reads, both
 * bounded only by the value limits: 10,000 items, 1 MB); `cel.bind`; or a function whose cost grows
 * with its input in ways the size bounds do not cap (`matches`, `split`). A single comprehension
 * whose body reads only its item (`alert.observables.exists(o, o.type == "user")`) costs about the
 * size of the list it walks, which the value limits bound, so it runs in place.
 */
export function mayRunLong(
  source: string,
  references: { macroDepth: number; rootReadInMacro: boolean },
): boolean {
  const { macroDepth, rootReadInMacro } = references;
  return macroDepth > 1 || rootReadInMacro || /\b(matches|split|bind)\s*\(/.test(source);
}
