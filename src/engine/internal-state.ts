/**
 * The reducer's own bookkeeping, stored in `RunState.internal` (JSON, opaque to everyone else).
 *
 * A frame is one running instance of a block: `main`, one for_each iteration, one parallel branch.
 * Blocks are sequential, so a frame has at most one active step (`at`). Containers (for_each,
 * parallel) keep their progress in `containers`, keyed by the container step's key.
 */
export const MAIN_FRAME = 'main';

export interface Frame {
  block: string;
  /** Key prefixes of the enclosing loop iterations, outermost first: `['', 'each[2].']`. */
  scopes: string[];
  /** Key of the for_each/parallel step this frame belongs to; null for main. */
  owner: string | null;
  /** Iteration index (for_each) or branch index (parallel). */
  slot: number;
  /** Innermost for_each iteration this frame runs in (gives `item` and `index`), inherited by branches. */
  loop: string | null;
  index: number | null;
  /** Key of the step active in this frame; null between steps. */
  at: string | null;
  /** When `at` is null: the step id to enter next, or null when the block has ended. */
  next: string | null;
  /** Stopped by a failure: not advanced until a run retry reopens it. */
  halted: boolean;
}

export interface ForEachProgress {
  kind: 'for_each';
  /** The frame the for_each step itself runs in. */
  frame: string;
  /** The evaluated items, secrets redacted. */
  items: unknown[];
  /** Iterations started so far (the next one to start is this index). */
  started: number;
  /** Iteration frames that exist (active, or halted by a failure). */
  running: number;
}

export type BranchOutcome = 'running' | 'succeeded' | 'failed';

export interface ParallelProgress {
  kind: 'parallel';
  frame: string;
  branches: BranchOutcome[];
}

export type ContainerProgress = ForEachProgress | ParallelProgress;

export interface EngineInternal {
  frames: Record<string, Frame>;
  containers: Record<string, ContainerProgress>;
}

export const iterationFrameId = (forEachKey: string, index: number): string => `${forEachKey}[${index}]`;
export const branchFrameId = (parallelKey: string, branch: number): string => `${parallelKey}/${branch}`;

export function emptyInternal(): EngineInternal {
  return { frames: {}, containers: {} };
}

/** The stored bookkeeping, or an empty one for a state that never had any (a finished run). */
export function readInternal(value: unknown): EngineInternal {
  if (typeof value !== 'object' || value === null) return emptyInternal();
  const v = value as Partial<EngineInternal>;
  if (typeof v.frames !== 'object' || v.frames === null) return emptyInternal();
  if (typeof v.containers !== 'object' || v.containers === null) return emptyInternal();
  return v as EngineInternal;
}
