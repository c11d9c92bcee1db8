/** Riposte blocks as the CACAO translation builds them, and how a finished block is closed. */
import type { RiposteStep, StepIds } from './cacao-segment.ts';
import { slugify } from './cacao-segment.ts';

/** Where control goes when nothing follows: out of the block. Replaced before the document is written. */
export const END = '@end';

export interface Route {
  /** The step an end step leads to inside the branches of a condition with on_completion. */
  continuation: string | null;
  parent: Route | null;
  key: string;
}

export interface Block {
  main: boolean;
  name: string;
  steps: RiposteStep[];
  /** The main block's end steps, written after its other steps (the first step is where a run starts). */
  ends: RiposteStep[];
  /** CACAO steps already translated into this block, with the route they were translated under. */
  done: Map<string, { entry: string; route: string }>;
  queue: { id: string; route: Route }[];
  /** Steps where the parallel branches of this block meet (read as the step after the parallel). */
  joins: Set<string>;
}

/**
 * Replaces END: a step at the end of the block whose `next` is END simply ends it; every other way
 * out goes to one last step — `end` in the main block (the run succeeds), a step that records the
 * branch as done in a parallel branch (an `end` there would end the whole run).
 */
export function closeBlock(block: Block, ids: StepIds): RiposteStep[] {
  const keys = ['next', 'then', 'else', 'default', 'on_error'] as const;
  block.steps.push(...block.ends);
  const last = block.steps.at(-1);
  if (last !== undefined && last['next'] === END) delete last['next'];
  const pointsOut = (step: RiposteStep): boolean =>
    keys.some((key) => step[key] === END) ||
    (typeof step['cases'] === 'object' && Object.values(step['cases'] as object).includes(END));
  if (!block.steps.some(pointsOut)) return block.steps;
  // One step leaving the block (how Riposte itself writes it): put it last and let it fall off the end.
  // Every step routes explicitly, so only the first step's place matters.
  const leaving = block.steps.filter(pointsOut);
  const only = leaving[0]!;
  const fallsOff = (['on_error', 'cases'] as const).every(
    (key) =>
      only[key] !== END &&
      !(typeof only[key] === 'object' && Object.values(only[key] as object).includes(END)),
  );
  if (leaving.length === 1 && fallsOff && (only !== block.steps[0] || block.steps.length === 1)) {
    for (const key of keys) if (only[key] === END) delete only[key];
    return [...block.steps.filter((step) => step !== only), only];
  }
  const terminal: RiposteStep = block.main
    ? { id: ids.take('done'), end: true }
    : ((id) => ({ id, set: { [id]: true } }))(ids.take(`${slugify(block.name, 'branch', 40)}_done`));
  for (const step of block.steps) {
    for (const key of keys) if (step[key] === END) step[key] = terminal.id;
    if (typeof step['cases'] === 'object')
      for (const [k, v] of Object.entries(step['cases'] as Record<string, string>))
        if (v === END) (step['cases'] as Record<string, string>)[k] = terminal.id;
  }
  return [...block.steps, terminal];
}
