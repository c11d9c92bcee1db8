/**
 * Runs a plan in memory against the pure engine: no database, no queue, no wall clock. Actions, tasks,
 * child runs and awaited events are answered by pluggable resolvers; timers (retry backoff, delays,
 * polls, expiries) are fired at once on a virtual clock. Golden tests and the backtest are built on it.
 */
import type { PlaybookPlan } from '../core/playbook.ts';
import { advance, startRun } from '../engine/engine.ts';
import type {
  EngineCommand,
  EngineContext,
  EngineEvent,
  RunState,
  StepStatus,
  Transition,
} from '../engine/engine-types.ts';
import { TERMINAL_RUN_STATUSES } from '../engine/engine-types.ts';
import { redact, secretValues } from '../engine/redact.ts';
import {
  SimulationError,
  type AskedTask,
  type ExecuteActionCommand,
  type OpenTaskCommand,
  type RequestedAction,
  type Simulation,
  type SimulationOptions,
  type StartSubrunCommand,
  type WaitingKind,
} from './simulation.ts';

export * from './simulation.ts';

export const DEFAULT_MAX_EVENTS = 10_000;
export const MAX_SUBRUN_DEPTH = 8;
const DEFAULT_START = '2025-01-01T00:00:00.000Z';
const ACTIVE = new Set<StepStatus>(['running', 'retrying', 'waiting']);

export function simulate(plan: PlaybookPlan, options: SimulationOptions): Promise<Simulation> {
  const max = options.maxEvents ?? DEFAULT_MAX_EVENTS;
  return new Simulator(plan, options, { used: 0, max }, 0).run();
}

class Simulator {
  readonly #plan: PlaybookPlan;
  readonly #options: SimulationOptions;
  readonly #budget: { used: number; max: number };
  readonly #depth: number;
  readonly #secretValues: string[];
  readonly #startMs: number;
  /** When the alert gets its case (virtual time); null: it has it from the start. */
  readonly #groupedAtMs: number | null;
  #nowMs: number;
  #state!: RunState;
  readonly #queue: EngineCommand[] = [];
  readonly #started: string[] = [];
  readonly #finished: { step: string; status: StepStatus }[] = [];
  readonly #actions: RequestedAction[] = [];
  readonly #asked: AskedTask[] = [];
  /** Steps nobody will move on here (an unanswered task, a child still running, an event nobody sends). */
  readonly #stopped = new Set<string>();
  readonly #eventsAsked = new Set<string>();

  constructor(
    plan: PlaybookPlan,
    options: SimulationOptions,
    budget: { used: number; max: number },
    depth: number,
  ) {
    this.#plan = plan;
    this.#options = options;
    this.#budget = budget;
    this.#depth = depth;
    this.#secretValues = secretValues(options.secrets ?? {});
    this.#startMs = Date.parse(options.start ?? DEFAULT_START);
    if (Number.isNaN(this.#startMs)) throw new SimulationError(`start "${options.start}" is not a date`);
    this.#nowMs = this.#startMs;
    this.#groupedAtMs = options.groupedAfterMs === undefined ? null : this.#startMs + options.groupedAfterMs;
  }

  async run(): Promise<Simulation> {
    const init = {
      runId: this.#options.runId ?? 'simulation',
      playbookVersion: 1,
      inputs: this.#options.inputs ?? {},
    };
    const first = startRun(this.#plan, init, this.#ctx());
    this.#state = { ...first.state, steps: {} };
    this.#take(first);
    while (!TERMINAL_RUN_STATUSES.includes(this.#state.status)) {
      const command = this.#queue.shift();
      if (command) await this.#handle(command);
      else if (!(await this.#deliverEvent()) && !this.#fireTimer()) break;
    }
    return this.#result();
  }

  #ctx(): EngineContext {
    const grouped = this.#groupedAtMs === null || this.#nowMs >= this.#groupedAtMs;
    const alert = this.#options.alert;
    return {
      now: new Date(this.#nowMs).toISOString(),
      alert: grouped || typeof alert !== 'object' || alert === null ? alert : { ...alert, caseId: null },
      case: grouped ? this.#options.case : undefined,
      secrets: this.#options.secrets ?? {},
      random: this.#options.random ?? (() => 0.5),
    };
  }

  #send(event: EngineEvent): void {
    if (++this.#budget.used > this.#budget.max)
      throw new SimulationError(
        `the simulation stopped after ${this.#budget.max} events; a wait that polls for a long time, or a very long for_each?`,
      );
    this.#take(advance(this.#plan, this.#state, event, this.#ctx()));
  }

  /** Records which steps started and finished in this transition, and queues its commands. */
  #take(after: Transition): void {
    const old = this.#state.steps;
    for (const [key, step] of Object.entries(after.state.steps)) {
      const prev = old[key];
      if (!prev) this.#started.push(key);
      if (!ACTIVE.has(step.status) && step.status !== prev?.status)
        this.#finished.push({ step: key, status: step.status });
    }
    this.#state = after.state;
    this.#queue.push(...after.commands);
  }

  async #handle(command: EngineCommand): Promise<void> {
    switch (command.type) {
      case 'execute_action':
        return this.#execute(command);
      case 'open_task':
        return this.#openTask(command);
      case 'start_subrun':
        return this.#startSubrun(command);
      case 'close_task':
        for (const asked of this.#asked)
          if (asked.step === command.stepKey && asked.outcome === null) asked.outcome = 'closed';
        this.#stopped.delete(command.stepKey);
        return;
      case 'cancel_action':
      case 'cancel_subrun':
      case 'run_finished':
        return;
    }
  }

  async #execute(command: ExecuteActionCommand): Promise<void> {
    const step = this.#state.steps[command.stepKey];
    // Cancelled in the same transition that requested it (a sibling branch failed): never carried out.
    if (step?.status !== 'running' || step.attempt !== command.attempt) return;
    const result = await this.#options.actions(command);
    const { stepKey, attempt } = command;
    const input = redact(command.input, this.#secretValues);
    if (result !== null && typeof result === 'object' && 'error' in result) {
      const error = redact(result.error, this.#secretValues);
      this.#actions.push({ ...requested(command, input), result: { error } });
      this.#send({ type: 'action_failed', stepKey, attempt, error: result.error });
    } else if (result !== null && typeof result === 'object' && 'output' in result) {
      const output = redact(result.output ?? null, this.#secretValues);
      this.#actions.push({ ...requested(command, input), result: { output } });
      this.#send({ type: 'action_completed', stepKey, attempt, output: result.output ?? null });
    } else {
      throw new SimulationError(`the action resolver answered ${stepKey} with neither output nor error`);
    }
  }

  async #openTask(command: OpenTaskCommand): Promise<void> {
    const { spec, stepKey } = command;
    const asked: AskedTask = { step: stepKey, kind: spec.kind, title: spec.title, outcome: null };
    this.#asked.push(asked);
    const decision = (await this.#options.tasks?.(command)) ?? null;
    if (decision === null) {
      this.#stopped.add(stepKey);
      return;
    }
    asked.outcome = decision.outcome;
    if (decision.outcome === 'expired') this.#nowMs = Math.max(this.#nowMs, this.#expiry(command));
    const by = decision.by ?? (decision.outcome === 'expired' ? [] : ['simulation']);
    this.#send({ type: 'task_completed', stepKey, outcome: decision.outcome, output: decision.output, by });
  }

  async #startSubrun(command: StartSubrunCommand): Promise<void> {
    const nest = (plan: PlaybookPlan): Promise<Simulation> => {
      if (this.#depth + 1 > MAX_SUBRUN_DEPTH)
        throw new SimulationError(
          `sub-playbooks nested more than ${MAX_SUBRUN_DEPTH} deep (at ${command.stepKey} → ${plan.id}); do they call each other?`,
        );
      const child = {
        ...this.#options,
        inputs: command.inputs,
        runId: `${this.#state.runId}/${command.stepKey}`,
        start: new Date(this.#nowMs).toISOString(),
        groupedAfterMs: this.#groupedAtMs === null ? undefined : Math.max(0, this.#groupedAtMs - this.#nowMs),
      };
      return new Simulator(plan, child, this.#budget, this.#depth + 1).run();
    };
    const result = (await this.#options.subruns?.(command, nest)) ?? null;
    if (result?.simulation) {
      // What the child did is what this run did: its actions and questions appear under the step.
      const prefix = `${command.stepKey}/`;
      for (const a of result.simulation.actions) this.#actions.push({ ...a, step: prefix + a.step });
      for (const t of result.simulation.asked) this.#asked.push({ ...t, step: prefix + t.step });
    }
    if (result === null || (result.simulation && result.simulation.status === 'waiting')) {
      this.#stopped.add(command.stepKey);
      return;
    }
    this.#send({
      type: 'subrun_finished',
      stepKey: command.stepKey,
      runId: `${this.#state.runId}/${command.stepKey}`,
      status: result.status,
      outputs: result.outputs,
      error: result.error,
    });
  }

  /** Offers each `wait: { event }` step that waits to the resolver once. True when an event was sent. */
  async #deliverEvent(): Promise<boolean> {
    for (const [key, s] of Object.entries(this.#state.steps)) {
      const step = this.#plan.steps[s.stepId];
      if (s.status !== 'waiting' || step?.kind !== 'wait' || step.wait.mode !== 'event') continue;
      if (this.#eventsAsked.has(key)) continue;
      this.#eventsAsked.add(key);
      const decision = (await this.#options.events?.(key, step)) ?? 'stop';
      if (decision === 'stop') this.#stopped.add(key);
      if (typeof decision !== 'object') continue;
      this.#send({ type: 'external_event', name: step.wait.name, payload: decision.payload });
      return true;
    }
    return false;
  }

  /** Jumps the clock to the earliest timer of a step that may still move, and fires it. */
  #fireTimer(): boolean {
    let wake: string | null = null;
    for (const [key, s] of Object.entries(this.#state.steps)) {
      if (!ACTIVE.has(s.status) || s.timerAt === undefined || this.#stopped.has(key)) continue;
      if (wake === null || s.timerAt < wake) wake = s.timerAt;
    }
    if (wake === null) return false;
    this.#nowMs = Math.max(this.#nowMs, Date.parse(wake));
    this.#send({ type: 'timer_fired' });
    return true;
  }

  /** When the task service would expire it; an approval that escalates gets its window once more. */
  #expiry(command: OpenTaskCommand): number {
    const { spec, stepKey } = command;
    if (spec.expiresAt === null)
      throw new SimulationError(`task ${stepKey} has no expires_in: it cannot expire`);
    const at = Date.parse(spec.expiresAt);
    const step = this.#plan.steps[this.#state.steps[stepKey]?.stepId ?? ''];
    if (spec.kind !== 'approval' || spec.onExpiry !== 'escalate' || step?.kind !== 'approval') return at;
    return at + Math.max(step.expiresInMs, 60_000);
  }

  #result(): Simulation {
    const state = this.#state;
    const terminal = TERMINAL_RUN_STATUSES.includes(state.status);
    const waitingOn: Simulation['waitingOn'] = [];
    if (!terminal)
      for (const [key, s] of Object.entries(state.steps)) {
        const kind = waitingKind(this.#plan, s.stepId);
        if (ACTIVE.has(s.status) && kind !== null) waitingOn.push({ step: key, kind });
      }
    return {
      playbookId: this.#plan.id,
      status: terminal ? (state.status as Simulation['status']) : 'waiting',
      started: this.#started,
      finished: this.#finished,
      path: this.#started.filter((k) => ['succeeded', 'failed'].includes(state.steps[k]?.status ?? '')),
      actions: this.#actions,
      asked: this.#asked,
      waitingOn,
      outputs: state.outputs,
      vars: state.vars,
      error: state.error,
      events: this.#budget.used,
      elapsedMs: this.#nowMs - this.#startMs,
      state,
    };
  }
}

function requested(command: ExecuteActionCommand, input: Record<string, unknown>) {
  return {
    step: command.stepKey,
    action: command.action,
    effect: command.effect,
    attempt: command.attempt,
    input,
  };
}

function waitingKind(plan: PlaybookPlan, stepId: string): WaitingKind | null {
  const step = plan.steps[stepId];
  switch (step?.kind) {
    case 'task':
    case 'approval':
      return step.kind;
    case 'playbook':
      return 'subrun';
    case 'wait':
      return step.wait.mode === 'event' ? 'event' : null;
    default:
      return null;
  }
}
