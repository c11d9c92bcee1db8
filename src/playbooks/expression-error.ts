/**
 * Why an expression failed, carried to the run's step failure. It names the expression and the shapes
 * of the values it read (types and keys, never values: the scope holds secrets and alert data).
 */
export type ExpressionErrorReason = 'syntax' | 'type' | 'reference' | 'evaluation' | 'bounds';

export interface ExpressionErrorOptions {
  reason: ExpressionErrorReason;
  /** What went wrong, without the expression (the compiler prints it next to the YAML position). */
  detail: string;
  shapes?: Record<string, string>;
  offset?: number | null;
}

export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  /** Named `reason`, not `kind`, so it is never mistaken for a StepFailure's discriminant. */
  readonly reason: ExpressionErrorReason;
  /** The CEL source, without `${{ }}`. */
  readonly expression: string;
  readonly detail: string;
  /** For each path the expression read, a short type description of what it found there. */
  readonly shapes: Readonly<Record<string, string>>;
  /** Offset in `expression` where the problem is, when known. */
  readonly offset: number | null;

  constructor(expression: string, options: ExpressionErrorOptions) {
    super(`${options.detail} in \${{ ${expression.trim()} }}`);
    this.reason = options.reason;
    this.expression = expression;
    this.detail = options.detail;
    this.shapes = options.shapes ?? {};
    this.offset = options.offset ?? null;
  }
}
