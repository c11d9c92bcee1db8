/**
 * Checks that need every step: routing targets exist and stay in their block, no block loops (only
 * for_each repeats steps, so a playbook always terminates), every step can be reached, and every
 * `steps.<id>` an expression reads names a real step.
 */
import type { PlaybookStep } from '../core/playbook.ts';
import type { BlockInfo, CompileContext } from './compile-context.ts';
import { withSuggestion } from './did-you-mean.ts';

export function checkControlFlow(ctx: CompileContext): void {
  const blockOf = new Map<string, string>();
  for (const block of ctx.blocks)
    for (const id of block.steps) if (!blockOf.has(id)) blockOf.set(id, block.id);
  checkReferences(ctx, blockOf);
  for (const block of ctx.blocks) {
    checkCycles(ctx, block);
    if (block.steps.every((id) => Object.hasOwn(ctx.steps, id))) checkReachability(ctx, block);
  }
  for (const read of ctx.namedReads) {
    if (read.root === 'steps' && !ctx.stepIds.has(read.name)) {
      const message = withSuggestion(
        `steps.${read.name}: there is no step "${read.name}"`,
        read.name,
        ctx.stepIds.keys(),
      );
      ctx.issues.error(read.offset, read.path, message);
    }
  }
}

function checkReferences(ctx: CompileContext, blockOf: ReadonlyMap<string, string>): void {
  for (const reference of ctx.references) {
    const targetBlock = blockOf.get(reference.target);
    if (targetBlock === undefined) {
      const sameBlock = ctx.blocks.find((block) => block.id === reference.block)?.steps ?? [];
      const candidates = [...sameBlock, ...ctx.stepIds.keys()];
      const message = `${reference.path}: there is no step "${reference.target}"`;
      ctx.issues.error(
        reference.offset,
        reference.path,
        withSuggestion(message, reference.target, candidates),
      );
    } else if (targetBlock !== reference.block) {
      ctx.issues.error(
        reference.offset,
        reference.path,
        `${reference.path}: step "${reference.target}" is in block ${targetBlock}; ` +
          `a step can only go to steps of its own block (${reference.block})`,
      );
    }
  }
}

/** Where control can go from a step, within its block. */
function successors(step: PlaybookStep): string[] {
  const targets: (string | null)[] = [step.onError];
  switch (step.kind) {
    case 'if':
      targets.push(step.then, step.else);
      break;
    case 'switch':
      targets.push(...step.cases.map((each) => each.next), step.default);
      break;
    case 'approval':
      targets.push(step.next, step.onDeny);
      break;
    default:
      targets.push(step.next);
  }
  return [...new Set(targets.filter((target): target is string => target !== null))];
}

function checkCycles(ctx: CompileContext, block: BlockInfo): void {
  const members = new Set(block.steps);
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (id: string): void => {
    state.set(id, 'open');
    stack.push(id);
    const step = ctx.steps[id];
    for (const target of step === undefined ? [] : successors(step)) {
      if (!members.has(target)) continue;
      if (state.get(target) === 'open')
        reportCycle(ctx, stack.slice(stack.indexOf(target)), id, target, reported);
      else if (!state.has(target)) visit(target);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of block.steps) if (!state.has(id)) visit(id);
}

function reportCycle(
  ctx: CompileContext,
  cycle: string[],
  from: string,
  to: string,
  reported: Set<string>,
): void {
  const key = [...cycle].sort().join(',');
  if (reported.has(key)) return;
  reported.add(key);
  const reference = ctx.references.find((each) => each.from === from && each.target === to);
  const at = reference ?? ctx.stepIds.get(from);
  const path = reference?.path ?? at?.path ?? '';
  const loop = [...cycle, to].join(' → ');
  ctx.issues.error(at?.offset ?? 0, path, `steps loop: ${loop}; only for_each repeats steps`);
}

function checkReachability(ctx: CompileContext, block: BlockInfo): void {
  const [entry] = block.steps;
  if (entry === undefined) return;
  const reached = new Set([entry]);
  const queue = [entry];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    const step = ctx.steps[id];
    for (const target of step === undefined ? [] : successors(step)) {
      if (!reached.has(target) && block.steps.includes(target)) {
        reached.add(target);
        queue.push(target);
      }
    }
  }
  for (const id of block.steps) {
    if (reached.has(id)) continue;
    const at = ctx.stepIds.get(id);
    ctx.issues.warn(
      at?.offset ?? 0,
      at?.path ?? '',
      `step "${id}" is never reached: no step of block ${block.id} leads to it`,
    );
  }
}
