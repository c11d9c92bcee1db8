import { Value } from '@sinclair/typebox/value';
import { ActionError, type ActionCatalog, type ActionDefinition } from '../core/action.ts';
import { parseDuration } from '../playbooks/duration.ts';
import type { ResponseGate } from '../response/response-gate.ts';
import type { EngineEvent, StepFailure } from '../engine/engine-types.ts';
import type { ActionJob } from '../queue/work-queue.ts';
import { withDeferredDurability } from '../store/commit-durability.ts';
import { refusedInput } from './action-input-check.ts';

export type EventSink = (runId: string, event: EngineEvent) => Promise<unknown>;

/** The response guardrails around side-effecting actions (src/response/). */
export interface ResponseHooks {
  gate: { check: ResponseGate['check'] };
  /** Records an application (or a no-op) in the action ledger. */
  record(
    job: ActionJob,
    action: ActionDefinition,
    input: Record<string, unknown>,
    output: unknown,
    status: 'applied' | 'noop',
    ttlMs: number | null,
  ): Promise<void>;
  /** Gives up the place the gate admitted this attempt to, when it ends without a ledger record. */
  release(idempotencyKey: string): Promise<void>;
}

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
  readonly #response: ResponseHooks | undefined;
  /** Attempts a guardrail holds (kill switch) or sends for approval, by idempotency key: tried again later. */
  readonly #parked = new Map<string, ActionJob>();

  constructor(catalog: ActionCatalog, sink: EventSink, response?: ResponseHooks) {
    this.#catalog = catalog;
    this.#sink = sink;
    this.#response = response;
  }

  /** Tries every parked attempt again (the kill switch was lifted, an approval was decided). */
  async retryParked(): Promise<void> {
    const jobs = [...this.#parked.values()];
    this.#parked.clear();
    await Promise.all(jobs.map((job) => this.execute(job)));
  }

  get parked(): number {
    return this.#parked.size;
  }

  /** Aborts an action in flight (run cancelled, or its branch lost a race). Its late result is ignored by the engine. */
  abort(runId: string, stepKey: string): void {
    this.#inFlight.get(`${runId}\u0000${stepKey}`)?.abort(new Error('cancelled'));
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Carries out one job and resolves once its outcome is delivered (committed, for the engine). */
  readonly execute = async (job: ActionJob): Promise<void> => {
    const event = await this.#outcome(job);
    if (event) await this.#sink(job.runId, event);
    else this.#parked.set(job.idempotencyKey, job);
  };

  /**
   * The handler for a queue shared between processes (Redis): resolves once the outcome is
   * committed, so the queue holds the attempt until then; an attempt a guardrail holds is left to the
   * queue to offer again (`later`), since another process may be the one to carry it out.
   */
  readonly settle = async (job: ActionJob): Promise<'later' | undefined> => {
    const event = await this.#outcome(job);
    if (!event) return 'later';
    await this.#sink(job.runId, event);
    return undefined;
  };

  /**
   * The work queue's handler: resolves once the action is done, handing its outcome to the sink
   * without waiting for the sink's commit. The queue's concurrency bounds actions in flight; a slot
   * held through the engine's durable commit as well would make the next run's first action wait
   * behind other runs' commits (the sink's own queue drains on shutdown: the engine's close()).
   */
  readonly dispatch = async (job: ActionJob): Promise<void> => {
    const event = await this.#outcome(job);
    // A failed delivery is the engine's to recover (the run resumes and repeats the attempt).
    if (event) void this.#sink(job.runId, event).catch(() => undefined);
    else this.#parked.set(job.idempotencyKey, job);
  };

  /**
   * The attempt's outcome as an engine event; null when a guardrail holds it for later. The action's
   * own writes are made durable by the commit of that outcome (src/store/commit-durability.ts).
   */
  #outcome(job: ActionJob): Promise<EngineEvent | null> {
    return withDeferredDurability(() => this.#carryOut(job));
  }

  async #carryOut(job: ActionJob): Promise<EngineEvent | null> {
    const { runId, stepKey, attempt } = job;
    const failed = (error: StepFailure): EngineEvent => ({ type: 'action_failed', stepKey, attempt, error });
    const action = this.#catalog.get(job.action);
    if (!action) return failed({ kind: 'unknown_action', message: `no action "${job.action}" is installed` });
    // A time to live is the runtime's, not the action's: it schedules the inverse.
    const { ttl, ...input } = job.input;
    let ttlMs: number | null = null;
    if (ttl !== undefined) {
      try {
        if (!action.inverse) throw new Error(`${action.id} has no inverse to expire with`);
        ttlMs = parseDuration(ttl as string | number);
      } catch (error) {
        return failed({
          kind: 'action',
          code: 'invalid_input',
          message: `ttl: ${(error as Error).message}`,
          retryable: false,
        });
      }
    }
    // The compiler checks literal inputs; values computed at run time are checked here, before any effect.
    const refused = refusedInput(action, input);
    if (refused !== null)
      return failed({ kind: 'action', code: 'invalid_input', message: refused, retryable: false });
    if (job.dryRun && action.effect !== 'read') {
      const output: InterceptedAction = {
        dryRun: true,
        intercepted: action.id,
        effect: action.effect,
        input: job.input,
      };
      return { type: 'action_completed', stepKey, attempt, output };
    }
    const response = action.effect === 'read' ? undefined : this.#response;
    if (response) {
      const decision = await response.gate.check(
        { runId, stepKey, idempotencyKey: job.idempotencyKey, input },
        action,
      );
      if (!decision.proceed) return 'refuse' in decision ? failed(decision.refuse) : null;
    }
    const key = `${runId}\u0000${stepKey}`;
    // Admitted by the gate: the attempt holds a place under the limits until it is recorded.
    let recorded = false;
    const controller = new AbortController();
    this.#inFlight.set(key, controller);
    const timeoutMs = job.timeoutMs ?? action.timeoutMs;
    const timer = setTimeout(() => controller.abort(new TimeoutSignal()), timeoutMs);
    try {
      const context = {
        idempotencyKey: job.idempotencyKey,
        attempt,
        runId,
        stepKey,
        signal: controller.signal,
      };
      // Check before act: a target already in the wanted state is reported, not acted on again.
      if (response && action.alreadyApplied && (await action.alreadyApplied(input, context))) {
        const output = { noop: true, reason: `${action.id}: the target is already in this state` };
        await response.record(job, action, input, output, 'noop', null);
        recorded = true;
        return { type: 'action_completed', stepKey, attempt, output };
      }
      const output = await Promise.race([
        action.run(input, context),
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
      if (response) await response.record(job, action, input, output ?? null, 'applied', ttlMs);
      recorded = true;
      return { type: 'action_completed', stepKey, attempt, output: output ?? null };
    } catch (error) {
      return failed(toFailure(error, action.id, timeoutMs));
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(key);
      if (response && !recorded) await response.release(job.idempotencyKey);
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
