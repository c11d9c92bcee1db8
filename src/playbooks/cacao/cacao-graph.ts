/** The CACAO workflow as a graph: where each step can lead, what a step reaches, and loops. */
import type { CacaoStep } from './cacao-step.ts';

export function successors(step: CacaoStep): string[] {
  const out = [
    step.onSuccess,
    step.onFailure,
    step.onTrue,
    step.onFalse,
    ...step.nextSteps,
    ...step.cases.map((c) => c.target),
  ];
  return out.filter((id): id is string => id !== null);
}

/** The non-end steps reachable from `head`, itself included. */
export function reachable(steps: Map<string, CacaoStep>, head: string): Set<string> {
  const seen = new Set<string>();
  const stack = [head];
  while (stack.length > 0) {
    const id = stack.pop()!;
    const step = steps.get(id);
    if (seen.has(id) || step === undefined || step.type === 'end') continue;
    seen.add(id);
    stack.push(...successors(step));
  }
  return seen;
}

/** A loop in the workflow, as the steps that form it, or null. */
export function findCycle(steps: Map<string, CacaoStep>, start: string): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | null => {
    const step = steps.get(id);
    if (step === undefined || state.get(id) === 'done') return null;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    path.push(id);
    for (const next of step.type === 'while-condition'
      ? [step.onSuccess, step.onFailure]
      : successors(step)) {
      if (next === null) continue;
      const cycle = visit(next);
      if (cycle !== null) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return null;
  };
  for (const id of [start, ...steps.keys()]) {
    const cycle = visit(id);
    if (cycle !== null) return cycle;
  }
  return null;
}
