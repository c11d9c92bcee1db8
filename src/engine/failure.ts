/**
 * The step failure union in one place: how each kind maps to a status and whether it may be retried
 * (one exhaustive switch), plus the constructors the handlers use.
 */
import type { StepFailure } from './engine-types.ts';

export interface FailureOutcome {
  /** The status of the step (and of the run, when the failure ends it). */
  status: 'failed' | 'cancelled';
  /** Whether an action's retry policy applies. */
  retryable: boolean;
}

export function failureOutcome(failure: StepFailure): FailureOutcome {
  switch (failure.kind) {
    case 'action':
      return { status: 'failed', retryable: failure.retryable };
    case 'timeout':
      return { status: 'failed', retryable: true };
    case 'cancelled':
      return { status: 'cancelled', retryable: false };
    case 'expression':
    case 'bounds':
    case 'denied':
    case 'expired':
    case 'subrun':
    case 'fail_step':
    case 'unknown_action':
    case 'input':
    case 'internal':
    case 'policy':
      return { status: 'failed', retryable: false };
    default: {
      const _exhaustive: never = failure;
      return { status: 'failed', retryable: false };
    }
  }
}

const KINDS = new Set<string>([
  'action',
  'timeout',
  'expression',
  'bounds',
  'denied',
  'expired',
  'cancelled',
  'subrun',
  'fail_step',
  'unknown_action',
  'input',
  'internal',
  'policy',
]);

/** A failure from an event, trusted only as far as its kind and message. */
export function normalizeFailure(value: unknown): StepFailure {
  if (typeof value === 'object' && value !== null) {
    const v = value as { kind?: unknown; message?: unknown };
    if (typeof v.kind === 'string' && KINDS.has(v.kind) && typeof v.message === 'string')
      return value as StepFailure;
    if (typeof v.message === 'string') return { kind: 'internal', message: v.message };
  }
  return { kind: 'internal', message: `malformed failure: ${String(value)}` };
}

/** An evaluation error, read duck-typed (the compiler's ExpressionError carries expression and shapes). */
export function expressionFailure(error: unknown, source: string): StepFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    message?: unknown;
    expression?: unknown;
    shapes?: unknown;
  };
  const shapes: Record<string, string> = {};
  if (typeof e.shapes === 'object' && e.shapes !== null)
    for (const [k, v] of Object.entries(e.shapes)) if (typeof v === 'string') shapes[k] = v;
  return {
    kind: 'expression',
    message: typeof e.message === 'string' ? e.message : String(error),
    expression: typeof e.expression === 'string' ? e.expression : source,
    shapes,
  };
}

export const boundsFailure = (message: string): StepFailure => ({ kind: 'bounds', message });

export const cancelledFailure = (message: string): StepFailure => ({ kind: 'cancelled', message });

export const internalFailure = (message: string): StepFailure => ({ kind: 'internal', message });

export const timeoutFailure = (message: string, timeoutMs: number): StepFailure => ({
  kind: 'timeout',
  message,
  timeoutMs,
});
