import type { Block, PlaybookPlan, StepKind } from '../core/playbook.ts';
import type { RunState, StepState, StepStatus } from './engine-types.ts';

export interface StepDescription {
  key: string;
  stepId: string;
  kind: StepKind;
  /** Nesting depth: 0 in main, +1 per for_each body or parallel branch. */
  depth: number;
  /** `pending` for a step that has not started (and may never: a branch not taken). */
  status: StepStatus;
  state: StepState | null;
}

/** The run's steps in plan order, each for_each body once per iteration that started, for the API. */
export function describeRun(plan: PlaybookPlan, state: RunState): StepDescription[] {
  const out: StepDescription[] = [];
  const walk = (block: Block, prefix: string, depth: number): void => {
    for (const id of block.steps) {
      const step = plan.steps[id];
      if (!step) continue;
      const key = prefix + id;
      const s = state.steps[key] ?? null;
      out.push({ key, stepId: id, kind: step.kind, depth, status: s?.status ?? 'pending', state: s });
      if (step.kind === 'for_each')
        for (let i = 0; state.steps[`${key}[${i}].${step.body.entry ?? ''}`] !== undefined; i++)
          walk(step.body, `${key}[${i}].`, depth + 1);
      if (step.kind === 'parallel') for (const branch of step.branches) walk(branch, prefix, depth + 1);
    }
  };
  walk(plan.main, '', 0);
  return out;
}
