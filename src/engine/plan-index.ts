import type { Block, ForEachStep, ParallelStep, PlaybookPlan, PlaybookStep } from '../core/playbook.ts';
import { branchFrameId, MAIN_FRAME } from './internal-state.ts';

/** A block's place in the plan: the container that owns it and the for_each loops around it. */
export interface BlockInfo {
  block: Block;
  owner: { step: ForEachStep | ParallelStep; branch: number } | null;
  /** Ids of the enclosing for_each steps, outermost first. */
  loops: string[];
}

/** A step an expression in some block can see, and how many loop prefixes its key carries. */
export interface VisibleStep {
  id: string;
  depth: number;
}

/** Lookups derived once per plan (plans are immutable and shared by every run of a version). */
export interface PlanIndex {
  blocks: Map<string, BlockInfo>;
  /** Block id of every step reachable from main. */
  stepBlock: Map<string, string>;
  visible(blockId: string): readonly VisibleStep[];
  /** The frame a step instance runs in, from its key. */
  frameOf(key: string, step: PlaybookStep): string;
}

const cache = new WeakMap<PlaybookPlan, PlanIndex>();

export function planIndex(plan: PlaybookPlan): PlanIndex {
  let index = cache.get(plan);
  if (!index) {
    index = buildIndex(plan);
    cache.set(plan, index);
  }
  return index;
}

function buildIndex(plan: PlaybookPlan): PlanIndex {
  const blocks = new Map<string, BlockInfo>();
  const stepBlock = new Map<string, string>();
  const walk = (block: Block, owner: BlockInfo['owner'], loops: string[]): void => {
    blocks.set(block.id, { block, owner, loops });
    for (const id of block.steps) {
      const step = plan.steps[id];
      if (!step) throw new Error(`block ${block.id} lists step ${id}, which the plan does not have`);
      stepBlock.set(id, block.id);
      if (step.kind === 'for_each') walk(step.body, { step, branch: 0 }, [...loops, id]);
      if (step.kind === 'parallel') step.branches.forEach((b, i) => walk(b, { step, branch: i }, loops));
    }
  };
  walk(plan.main, null, []);

  const visibleCache = new Map<string, VisibleStep[]>();
  const visible = (blockId: string): readonly VisibleStep[] => {
    let list = visibleCache.get(blockId);
    if (list) return list;
    const loops = blocks.get(blockId)?.loops ?? [];
    list = [];
    for (const [id, b] of stepBlock) {
      const stepLoops = blocks.get(b)?.loops ?? [];
      if (stepLoops.every((l, i) => loops[i] === l) && stepLoops.length <= loops.length)
        list.push({ id, depth: stepLoops.length });
    }
    visibleCache.set(blockId, list);
    return list;
  };

  const frameOf = (key: string, step: PlaybookStep): string => {
    const owner = blocks.get(stepBlock.get(step.id) ?? '')?.owner;
    if (!owner) return MAIN_FRAME;
    const prefix = key.slice(0, key.length - step.id.length);
    // A for_each body's prefix is `<forEachKey>[i].`, the iteration frame's id plus a dot.
    if (owner.step.kind === 'for_each') return prefix.slice(0, -1);
    return branchFrameId(prefix + owner.step.id, owner.branch);
  };

  return { blocks, stepBlock, visible, frameOf };
}
