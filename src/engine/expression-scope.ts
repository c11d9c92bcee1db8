/**
 * What expressions see, built for the frame a step runs in: inside a loop iteration `steps.<id>`
 * resolves to that iteration's instance (and to the enclosing iterations' for outer loops).
 */
import type { CompiledExpression, ExpressionScope, ValueTemplate } from '../core/playbook.ts';
import type { StepFailure, StepState } from './engine-types.ts';
import { expressionFailure } from './failure.ts';
import type { Frame } from './internal-state.ts';
import type { RunDraft } from './run-draft.ts';

type StepView = ExpressionScope['steps'][string];

/** A step not reached (yet, or on a path not taken): present, so `has(steps.x.output)` is simply false. */
const NOT_STARTED: StepView = Object.freeze({ status: 'pending' });

/**
 * A step's view: only what expressions may read. Built per scope, not cached per state in a WeakMap:
 * a run's every step state would be an entry, and hundreds of thousands of entries made each full
 * garbage collection's ephemeron marking the longest part of its pause (100–200 ms after a burst).
 */
function view(state: StepState): StepView {
  return { status: state.status, output: state.output, error: state.error };
}

export function scopeFor(d: RunDraft, frame: Frame, event?: unknown): ExpressionScope {
  const steps: Record<string, StepView> = {};
  for (const v of d.index.visible(frame.block)) {
    const state = d.step((frame.scopes[v.depth] ?? '') + v.id);
    steps[v.id] = state ? view(state) : NOT_STARTED;
  }
  const scope: ExpressionScope = {
    alert: d.ctx.alert,
    case: d.ctx.case,
    inputs: d.inputs,
    vars: d.vars,
    secrets: d.ctx.secrets,
    steps,
  };
  if (frame.loop !== null && frame.index !== null) {
    const progress = d.container(frame.loop);
    scope.item = progress?.kind === 'for_each' ? progress.items[frame.index] : undefined;
    scope.index = frame.index;
  }
  if (event !== undefined) scope.event = event;
  return scope;
}

export type Evaluated = { ok: true; value: unknown } | { ok: false; failure: StepFailure };

export function evaluateExpression(expression: CompiledExpression, scope: ExpressionScope): Evaluated {
  try {
    return { ok: true, value: expression.evaluate(scope) };
  } catch (error) {
    return { ok: false, failure: expressionFailure(error, expression.source) };
  }
}

/** Templates carry no source text of their own; the error's `expression` names the failing part. */
export function evaluateTemplate(template: ValueTemplate, scope: ExpressionScope, what: string): Evaluated {
  try {
    return { ok: true, value: template.evaluate(scope) };
  } catch (error) {
    return { ok: false, failure: expressionFailure(error, what) };
  }
}

/** `with:` of an action or sub-playbook: must come out as an object. */
export function evaluateRecord(template: ValueTemplate, scope: ExpressionScope, what: string): Evaluated {
  const r = evaluateTemplate(template, scope, what);
  if (r.ok && (typeof r.value !== 'object' || r.value === null || Array.isArray(r.value)))
    return {
      ok: false,
      failure: expressionFailure(new Error(`${what} must be an object, got ${shapeOf(r.value)}`), what),
    };
  return r;
}

export function shapeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** Expression truthiness: false, null, 0, '' and missing values are false. */
export const truthy = (value: unknown): boolean => Boolean(value);

/** How a value reads as text (switch matching, task titles, fail messages). */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
