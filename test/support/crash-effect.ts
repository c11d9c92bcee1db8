import { Type } from '@sinclair/typebox';
import { ActionError, type ActionDefinition } from '../../src/core/action.ts';

/** The crash test's side effect: a POST to the parent's target, carrying the idempotency key. */
export function crashEffectAction(targetUrl: string): ActionDefinition {
  return {
    id: 'crash.effect',
    title: 'Apply an effect on the crash-test target',
    description: 'POSTs the step and its idempotency key to the target, which applies each key once.',
    effect: 'destructive',
    input: Type.Object({ label: Type.String() }),
    timeoutMs: 5_000,
    retry: { attempts: 5, backoffMs: 20, factor: 2, maxDelayMs: 500, jitter: true },
    run: async (input, context) => {
      const response = await fetch(`${targetUrl}/effect`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': context.idempotencyKey },
        body: JSON.stringify({ run: context.runId, step: context.stepKey, label: input['label'] }),
        signal: context.signal,
      });
      if (!response.ok) throw new ActionError('target_error', `target answered ${response.status}`);
      return (await response.json()) as unknown;
    },
  };
}

export const CRASH_PLAYBOOK = `
id: crash_chain
name: Crash chain
triggers: { manual: true }
steps:
  - id: first
    uses: crash.effect
    with: { label: a }
  - id: each
    for_each: \${{ [1, 2, 3] }}
    concurrency: 2
    do:
      - id: per_item
        uses: crash.effect
        with:
          label: item \${{ item }}
  - id: pause
    wait: { delay: 30ms }
  - id: last
    uses: crash.effect
    with: { label: z }
`;

/** Effects each run of CRASH_PLAYBOOK applies. */
export const EFFECTS_PER_RUN = 5;
