/** Steps that hold blocks of steps: for_each (a body run per item) and parallel (branches at once). */
import { isSeq } from 'yaml';
import type { Node } from 'yaml';
import type { ForEachStep, ParallelStep } from '../core/playbook.ts';
import { ITEM_ROOTS } from './cel-environment.ts';
import type { StepInput } from './step-input.ts';
import { readExpression } from './compile-value.ts';
import { childPath, expect, offsetOf, readEnum, readInteger, readSequence } from './yaml-reader.ts';
import type { Field } from './yaml-reader.ts';

export const FOR_EACH_LIMITS = { maxConcurrency: 50, defaultMaxItems: 1_000, maxItems: 10_000 } as const;
export const MAX_PARALLEL_BRANCHES = 20;

export function compileForEachStep(input: StepInput): ForEachStep | null {
  const { ctx, fields, base, path } = input;
  const items = readExpression(ctx, fields.get('for_each') as Field, input.roots);
  const optional = (key: string, max: number, fallback: number): number | null => {
    const field = fields.get(key);
    return field === undefined ? fallback : readInteger(ctx, field, 1, max);
  };
  const concurrency = optional('concurrency', FOR_EACH_LIMITS.maxConcurrency, 1);
  const maxItems = optional('max_items', FOR_EACH_LIMITS.maxItems, FOR_EACH_LIMITS.defaultMaxItems);
  const doField = fields.get('do');
  if (doField === undefined) {
    ctx.issues.error(
      input.offset,
      childPath(path, 'do'),
      `${path} is missing the required key "do" (the steps to run per item)`,
    );
    return null;
  }
  const steps = readSequence(ctx, doField);
  const roots = [...new Set([...input.roots, ...ITEM_ROOTS])];
  const body =
    steps === null ? null : input.compileBlock(steps, doField.path, `${blockOwner(input)}.do`, roots);
  if (items === null || concurrency === null || maxItems === null || body === null) return null;
  return { ...base, kind: 'for_each', items, concurrency, maxItems, body };
}

export function compileParallelStep(input: StepInput): ParallelStep | null {
  const { ctx, fields, base } = input;
  const parallelField = fields.get('parallel') as Field;
  const joinField = fields.get('join');
  const join = joinField === undefined ? 'all' : readEnum(ctx, joinField, ['all', 'any'] as const);
  const branchNodes = readSequence(ctx, parallelField);
  if (branchNodes === null) return null;
  if (branchNodes.length > MAX_PARALLEL_BRANCHES) {
    return expect(ctx, parallelField, `a list of at most ${MAX_PARALLEL_BRANCHES} branches`);
  }
  let ok = true;
  const branches = branchNodes.map((branch: Node, index) => {
    const branchPath = childPath(parallelField.path, index);
    if (!isSeq(branch) || branch.items.length === 0) {
      ctx.issues.error(
        offsetOf(branch),
        branchPath,
        `${branchPath} must be a non-empty list of steps (one branch)`,
      );
      ok = false;
      return { id: `${blockOwner(input)}.${index}`, entry: null, steps: [] };
    }
    return input.compileBlock(
      branch.items as Node[],
      branchPath,
      `${blockOwner(input)}.${index}`,
      input.roots,
    );
  });
  if (!ok || join === null) return null;
  return { ...base, kind: 'parallel', branches, join };
}

/** Blocks are named after their step; a step without a valid id still gets a unique name. */
function blockOwner(input: StepInput): string {
  return input.base.id === '' ? input.path : input.base.id;
}
