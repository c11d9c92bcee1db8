/**
 * The thread that evaluates expressions which may run long (see src/playbooks/expression-guard.ts).
 * It answers through shared memory so the caller can wait synchronously, with a time limit, and
 * terminate this thread when the limit passes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ExpressionScope } from '../core/playbook.ts';
import type { GuardedResult } from '../playbooks/expression-guard.ts';
import { ExpressionError, compileExpression, type PlaybookExpression } from '../playbooks/expression.ts';

const { signal, data } = workerData as { signal: SharedArrayBuffer; data: SharedArrayBuffer };
const state = new Int32Array(signal);
const bytes = new Uint8Array(data);
const compiled = new Map<string, PlaybookExpression>();
const encoder = new TextEncoder();

function evaluate(source: string, roots: readonly string[], context: Record<string, unknown>): GuardedResult {
  try {
    const key = `${roots.join(',')}\u0000${source}`;
    let expression = compiled.get(key);
    if (!expression) {
      expression = compileExpression(source, { roots });
      if (compiled.size > 1000) compiled.clear();
      compiled.set(key, expression);
    }
    const scope = { inputs: {}, steps: {}, vars: {}, secrets: {}, ...context } as ExpressionScope;
    return { ok: true, value: expression.evaluate(scope) };
  } catch (error) {
    if (error instanceof ExpressionError)
      return { ok: false, reason: error.reason === 'bounds' ? 'bounds' : 'evaluation', detail: error.detail };
    return {
      ok: false,
      reason: 'evaluation',
      detail: error instanceof Error ? error.message : String(error),
    };
  }
}

parentPort!.on(
  'message',
  (message: { source: string; roots: string[]; context: Record<string, unknown> }) => {
    let encoded = encoder.encode(JSON.stringify(evaluate(message.source, message.roots, message.context)));
    if (encoded.length > bytes.length)
      encoded = encoder.encode(
        JSON.stringify({
          ok: false,
          reason: 'bounds',
          detail: 'the result is too large',
        } satisfies GuardedResult),
      );
    bytes.set(encoded);
    Atomics.store(state, 2, encoded.length);
    Atomics.store(state, 0, 1);
    Atomics.notify(state, 0);
  },
);

Atomics.store(state, 1, 1);
Atomics.notify(state, 1);
