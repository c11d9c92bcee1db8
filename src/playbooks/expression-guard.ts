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

/**
 * For an expression `mayRunLong` flags, made once at compile time: whether it is cheap enough to run
 * in place with the values it reads at an evaluation. Most of the time they are small (an alert's two
 * addresses, one lookup's answer), and the guard's round trip costs more than the expression. Its
 * work is bounded by its size (`nodes`, syntax nodes) times the values it reads (counted as
 * `checkScopeValue` counts them) to the power of how deep its comprehensions go, one more when their
 * bodies read roots and one more for `cel.bind`: a comprehension visits at most every value read, and
 * each visit reads at most every one. In place up to IN_PLACE_BUDGET: at it, two nested
 * comprehensions over 25 items evaluate in about 0.16 ms, well inside the shortest time limit
 * (10 ms), and not much more than the guard's round trip. A regular expression (`matches`) can
 * backtrack for seconds on a short string and `split` makes lists the count does not bound: those
 * always go through the guard.
 */
export function affordableInPlace(
  source: string,
  references: { macroDepth: number; rootReadInMacro: boolean },
  nodes: number,
): (values: number) => boolean {
  if (/\b(matches|split)\s*\(/.test(source)) return () => false;
  const power =
    Math.max(1, references.macroDepth) +
    (references.rootReadInMacro ? 1 : 0) +
    (/\bbind\s*\(/.test(source) ? 1 : 0);
  return (values) => nodes * Math.max(1, values) ** power <= IN_PLACE_BUDGET;
}

/** Syntax nodes × values read ^ power (see `affordableInPlace`) that run in place. */
export const IN_PLACE_BUDGET = 250_000;
