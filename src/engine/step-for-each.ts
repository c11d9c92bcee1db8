/**
 * `for_each`: one frame per iteration, at most `concurrency` at once. Output: one entry per item,
 * `{ item, steps: { <bodyStepId>: output } }`, in item order.
 */
import type { ForEachStep } from '../core/playbook.ts';
import { blockOutputs } from './block-outputs.ts';
import { evaluateExpression, scopeFor, shapeOf } from './expression-scope.ts';
import { boundsFailure, expressionFailure } from './failure.ts';
import type { ForEachProgress, Frame } from './internal-state.ts';
import { iterationFrameId } from './internal-state.ts';
import type { RunDraft } from './run-draft.ts';
import type { StepAt, StepOutcome } from './step-outcome.ts';
import { done, fail, WAIT } from './step-outcome.ts';

export function enterForEach(d: RunDraft, at: StepAt, step: ForEachStep): StepOutcome {
  const r = evaluateExpression(step.items, scopeFor(d, at.frame));
  if (!r.ok) return fail(r.failure);
  const items = r.value;
  if (!Array.isArray(items)) {
    const error = new Error(`for_each items must be a list, got ${shapeOf(items)}`);
    return fail(expressionFailure(error, step.items.source));
  }
  if (items.length > step.maxItems)
    return fail(
      boundsFailure(`for_each items has ${items.length} items, more than max_items ${step.maxItems}`),
    );
  if (items.length === 0) return done([], step.next);
  d.putContainer(at.key, {
    kind: 'for_each',
    frame: at.frameId,
    items: d.redact(items),
    started: 0,
    running: 0,
  });
  const width = Math.min(Math.max(1, step.concurrency), items.length);
  for (let i = 0; i < width; i++) startIteration(d, at.key, at.frame, step);
  return WAIT;
}

function startIteration(d: RunDraft, key: string, parent: Frame, step: ForEachStep): void {
  const progress = d.container(key) as ForEachProgress;
  const index = progress.started;
  d.putContainer(key, { ...progress, started: index + 1, running: progress.running + 1 });
  const id = iterationFrameId(key, index);
  d.putFrame(id, {
    block: step.body.id,
    scopes: [...parent.scopes, `${id}.`],
    owner: key,
    slot: index,
    loop: key,
    index,
    at: null,
    next: step.body.entry,
    halted: false,
  });
  d.queue.push(id);
}

/** An iteration reached the end of the body: start the next one, or finish when none is left. */
export function iterationEnded(
  d: RunDraft,
  key: string,
  step: ForEachStep,
  frameId: string,
): StepOutcome | null {
  const progress = d.container(key);
  if (progress?.kind !== 'for_each') return null;
  d.dropFrame(frameId);
  const next = { ...progress, running: progress.running - 1 };
  d.putContainer(key, next);
  const parent = d.frame(progress.frame);
  if (next.started < next.items.length && parent) {
    startIteration(d, key, parent, step);
    return null;
  }
  if (next.running > 0) return null;
  const output = next.items.map((item, i) => ({
    item,
    steps: blockOutputs(d, `${iterationFrameId(key, i)}.`, step.body.steps),
  }));
  return done(output, step.next);
}
