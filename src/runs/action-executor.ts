import { Value } from '@sinclair/typebox/value';
import { ActionError, type ActionCatalog } from '../core/action.ts';
import type { EngineEvent, StepFailure } from '../engine/engine-types.ts';
import type { ActionJob } from '../queue/work-queue.ts';

export type EventSink = (runId: string, event: EngineEvent) => Promise<unknown>;

/** What a dry run reports instead of applying a side effect. */
export interface InterceptedAction {
  dryRun: true;
  intercepted: string;
  effect: string;
  input: Record<string, unknown>;
}

/**
 * Carries out action jobs: looks the action up, enforces its timeout through an AbortSignal, turns
 * whatever happens into an engine event (a thrown error never escapes), and in a dry run intercepts
 * every write or destructive action.
 */
export class ActionExecutor {
  readonly #catalog: ActionCatalog;
  readonly #sink: EventSink;
  readonly #inFlight = new Map<string, AbortController>();

  constructor(catalog: ActionCatalog, sink: EventSink) {
    this.#catalog = catalog;
    this.#sink = sink;
  }

  /** Aborts an action in flight (run cancelled, or its branch lost a race). Its late result is ignored by the engine. */
  abort(runId: string, stepKey: string): void {
    this.#inFlight.get(`${runId}\u0000${stepKey}`)?.abort(new Error('cancelled'));
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  readonly execute = async (job: ActionJob): Promise<void> => {
    const event = await this.#outcome(job);
    await this.#sink(job.runId, event);
  };

  async #outcome(job: ActionJob): Promise<EngineEvent> {
    const { runId, stepKey, attempt } = job;
    const failed = (error: StepFailure): EngineEvent => ({ type: 'action_failed', stepKey, attempt, error });
    const action = this.#catalog.get(job.action);
    if (!action) return failed({ kind: 'unknown_action', message: `no action "${job.action}" is installed` });
    // The compiler checks literal inputs; values computed at run time are checked here, before any effect.
    if (!Value.Check(action.input, job.input)) {
      const first = [...Value.Errors(action.input, job.input)][0];
      return failed({
        kind: 'action',
        code: 'invalid_input',
        message: `${action.id} inputs are not valid${first ? ` at ${first.path || '/'}: ${first.message}` : ''}`,
        retryable: false,
      });
    }
    if (job.dryRun && action.effect !== 'read') {
      const output: InterceptedAction = {
        dryRun: true,
        intercepted: action.id,
        effect: action.effect,
        input: job.input,
      };
      return { type: 'action_completed', stepKey, attempt, output };
    }
    const key = `${runId}\u0000${stepKey}`;
    const controller = new AbortController();
    this.#inFlight.set(key, controller);
    const timeoutMs = job.timeoutMs ?? action.timeoutMs;
    const timer = setTimeout(() => controller.abort(new TimeoutSignal()), timeoutMs);
    try {
      const output = await Promise.race([
        action.run(job.input, {
          idempotencyKey: job.idempotencyKey,
          attempt,
          runId,
          stepKey,
          signal: controller.signal,
        }),
        new Promise<never>((_, reject) =>
          controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), {
            once: true,
          }),
        ),
      ]);
      if (action.output && !Value.Check(action.output, output)) {
        const first = [...Value.Errors(action.output, output)][0];
        return failed({
          kind: 'action',
          code: 'invalid_output',
          message: `${action.id} returned output that does not match its schema${first ? ` at ${first.path || '/'}: ${first.message}` : ''}`,
          retryable: false,
        });
      }
      return { type: 'action_completed', stepKey, attempt, output: output ?? null };
    } catch (error) {
      return failed(toFailure(error, action.id, timeoutMs));
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(key);
    }
  }
}

class TimeoutSignal extends Error {
  constructor() {
    super('timeout');
    this.name = 'TimeoutSignal';
  }
}

function toFailure(error: unknown, action: string, timeoutMs: number): StepFailure {
  if (error instanceof TimeoutSignal)
    return { kind: 'timeout', message: `${action} did not finish within ${timeoutMs} ms`, timeoutMs };
  if (error instanceof ActionError)
    return {
      kind: 'action',
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    };
  if (error instanceof Error && error.message === 'cancelled')
    return { kind: 'cancelled', message: `${action} was cancelled` };
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'action', code: 'action_error', message: `${action} failed: ${message}`, retryable: true };
}
