/**
 * Hand-built plans for the engine's tests and benchmark: what the compiler would produce, with
 * expressions and templates as plain functions (no dependency on src/playbooks).
 */
import type {
  ApprovalStep,
  Block,
  CompiledExpression,
  ExpressionScope,
  PlaybookInput,
  PlaybookPlan,
  PlaybookStep,
  RetryPolicy,
  TaskStep,
  ValueTemplate,
  WaitSpec,
} from '../core/playbook.ts';

type Fn = (scope: ExpressionScope) => unknown;

export function expr(fn: Fn, source = fn.toString()): CompiledExpression {
  return { source, evaluate: fn };
}

/** A template: a function of the scope, or a literal. */
export function tpl(value: unknown, readsSecrets = false): ValueTemplate {
  const evaluate = typeof value === 'function' ? (value as Fn) : () => value;
  return { evaluate, readsSecrets };
}

/** Throws like the compiler's ExpressionError. */
export function expressionError(
  message: string,
  expression: string,
  shapes: Record<string, string> = {},
): Error {
  return Object.assign(new Error(message), { expression, shapes });
}

interface Common {
  next?: string | null;
  onError?: string | null;
  continueOnError?: boolean;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number | null;
}

type Unlinked = PlaybookStep extends infer S
  ? S extends PlaybookStep
    ? Omit<S, 'block' | 'next' | 'onError' | 'continueOnError' | 'retry' | 'timeoutMs' | 'position'>
    : never
  : never;

/** A step before linking: `plan()` fills in its block and `next`. Nested blocks are given as specs. */
export interface StepSpec {
  step: Unlinked;
  common: Common;
  blocks: StepSpec[][];
}

const spec = (step: Unlinked, common: Common = {}, blocks: StepSpec[][] = []): StepSpec => ({
  step,
  common,
  blocks,
});
const EMPTY_BLOCK: Block = { id: '', entry: null, steps: [] };

export const RETRY: RetryPolicy = {
  attempts: 3,
  backoffMs: 1000,
  factor: 2,
  maxDelayMs: 60_000,
  jitter: false,
};

export function action(
  id: string,
  opts: Common & { uses?: string; with?: unknown; readsSecrets?: boolean } = {},
): StepSpec {
  const { uses = 'test.echo', with: input = {}, readsSecrets = false, ...common } = opts;
  return spec({ kind: 'action', id, uses, effect: 'read', with: tpl(input, readsSecrets) }, common);
}

export function ifStep(
  id: string,
  condition: Fn,
  then: string | null,
  otherwise: string | null,
  common: Common = {},
): StepSpec {
  return spec({ kind: 'if', id, condition: expr(condition), then, else: otherwise }, common);
}

export function switchStep(
  id: string,
  value: Fn,
  cases: [string, string | null][],
  fallback: string | null,
  common: Common = {},
): StepSpec {
  const list = cases.map(([match, next]) => ({ match, next }));
  return spec({ kind: 'switch', id, value: expr(value), cases: list, default: fallback }, common);
}

export function forEach(
  id: string,
  items: Fn,
  body: StepSpec[],
  opts: Common & { concurrency?: number; maxItems?: number } = {},
): StepSpec {
  const { concurrency = 1, maxItems = 1000, ...common } = opts;
  return spec(
    { kind: 'for_each', id, items: expr(items), concurrency, maxItems, body: EMPTY_BLOCK },
    common,
    [body],
  );
}

export function parallel(
  id: string,
  branches: StepSpec[][],
  join: 'all' | 'any' = 'all',
  common: Common = {},
): StepSpec {
  return spec({ kind: 'parallel', id, branches: [], join }, common, branches);
}

export function subPlaybook(
  id: string,
  playbook: string,
  input: unknown = {},
  common: Common = {},
): StepSpec {
  return spec({ kind: 'playbook', id, playbook, with: tpl(input) }, common);
}

export function setStep(id: string, values: Record<string, unknown>, common: Common = {}): StepSpec {
  const compiled = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, tpl(v)]));
  return spec({ kind: 'set', id, values: compiled }, common);
}

export function waitStep(id: string, wait: WaitSpec, common: Common = {}): StepSpec {
  return spec({ kind: 'wait', id, wait }, common);
}

export const until = (condition: Fn, pollMs: number, timeoutMs: number): WaitSpec => ({
  mode: 'until',
  condition: expr(condition),
  pollMs,
  timeoutMs,
});

export const onEvent = (name: string, match: Fn | null, timeoutMs: number): WaitSpec => ({
  mode: 'event',
  name,
  match: match ? expr(match) : null,
  timeoutMs,
});

export function task(id: string, opts: Common & Partial<Omit<TaskStep, 'kind' | 'id'>> = {}): StepSpec {
  const { next, onError, continueOnError, retry, timeoutMs, ...rest } = opts;
  return spec(
    {
      kind: 'task',
      id,
      title: tpl(`Task ${id}`),
      description: null,
      assignee: { role: 'analyst' },
      choices: ['yes', 'no'],
      form: null,
      expiresInMs: 3_600_000,
      onExpiry: { outcome: 'fail' },
      remindEveryMs: null,
      ...rest,
    },
    { next, onError, continueOnError, retry, timeoutMs },
  );
}

export function approval(
  id: string,
  opts: Common & Partial<Omit<ApprovalStep, 'kind' | 'id'>> = {},
): StepSpec {
  const { next, onError, continueOnError, retry, timeoutMs, ...rest } = opts;
  return spec(
    {
      kind: 'approval',
      id,
      title: tpl(`Approve ${id}`),
      description: null,
      approvers: { role: 'lead' },
      quorum: 1,
      separationOfDuties: false,
      expiresInMs: 3_600_000,
      onExpiry: 'deny',
      escalateTo: null,
      remindEveryMs: null,
      onDeny: null,
      ...rest,
    },
    { next, onError, continueOnError, retry, timeoutMs },
  );
}

export const endStep = (id: string, common: Common = {}): StepSpec => spec({ kind: 'end', id }, common);

export const failStep = (id: string, message: unknown, common: Common = {}): StepSpec =>
  spec({ kind: 'fail', id, message: tpl(message) }, common);

export interface PlanOptions {
  id?: string;
  inputs?: Record<string, PlaybookInput>;
  outputs?: Record<string, unknown>;
}

/** Links the specs like the compiler: block ids, `next` defaulting to the following step of the block. */
export function plan(main: StepSpec[], opts: PlanOptions = {}): PlaybookPlan {
  const steps: Record<string, PlaybookStep> = {};
  const link = (specs: StepSpec[], blockId: string): Block => {
    specs.forEach((s, i) => {
      const c = s.common;
      const base = {
        block: blockId,
        next: c.next !== undefined ? c.next : (specs[i + 1]?.step.id ?? null),
        onError: c.onError ?? null,
        continueOnError: c.continueOnError ?? false,
        retry: c.retry ? { ...RETRY, ...c.retry } : null,
        timeoutMs: c.timeoutMs ?? null,
        position: { line: i + 1, column: 1 },
      };
      const step = { ...s.step, ...base } as PlaybookStep;
      if (step.kind === 'for_each') step.body = link(s.blocks[0] ?? [], `${step.id}.do`);
      if (step.kind === 'parallel') step.branches = s.blocks.map((b, j) => link(b, `${step.id}.${j}`));
      steps[step.id] = step;
    });
    return { id: blockId, entry: specs[0]?.step.id ?? null, steps: specs.map((s) => s.step.id) };
  };
  const mainBlock = link(main, 'main');
  return {
    id: opts.id ?? 'test_playbook',
    name: 'Test playbook',
    description: '',
    order: 0,
    enabled: true,
    triggers: { alert: null, case: [], schedule: [], manual: true },
    inputs: opts.inputs ?? {},
    outputs: Object.fromEntries(Object.entries(opts.outputs ?? {}).map(([k, v]) => [k, tpl(v)])),
    main: mainBlock,
    steps,
    secrets: [],
  };
}
