import type { RunDraft } from './run-draft.ts';

/** `{ <stepId>: output }` for the steps of one block instance that produced an output. */
export function blockOutputs(
  d: RunDraft,
  prefix: string,
  stepIds: readonly string[],
): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  for (const id of stepIds) {
    const state = d.step(prefix + id);
    if (state && state.output !== undefined) outputs[id] = state.output;
  }
  return outputs;
}

/** The key prefix of a step instance (its loop iterations): `each[2].` for `each[2].lookup`. */
export const keyPrefix = (key: string, stepId: string): string => key.slice(0, key.length - stepId.length);
