/**
 * What the run simulator takes and gives: resolvers that stand in for the world (actions, people,
 * child runs, events) and the record of what a simulated run did.
 */
import type { ActionEffect, PlaybookPlan, WaitStep } from '../core/playbook.ts';
import type { EngineCommand, RunState, StepFailure, StepStatus } from '../engine/engine-types.ts';

export type ExecuteActionCommand = Extract<EngineCommand, { type: 'execute_action' }>;
export type OpenTaskCommand = Extract<EngineCommand, { type: 'open_task' }>;
export type StartSubrunCommand = Extract<EngineCommand, { type: 'start_subrun' }>;

export type ActionResult = { output: unknown } | { error: StepFailure };
/** How a person (or nobody) closed a task or approval; `by` defaults to `["simulation"]`. */
export interface TaskDecision {
  outcome: 'answered' | 'approved' | 'denied' | 'expired';
  output?: unknown;
  by?: string[];
}
export interface SubrunResult {
  status: 'succeeded' | 'failed' | 'cancelled';
  outputs: Record<string, unknown>;
  error: StepFailure | null;
}
/** For a `wait: { event }` step: deliver this payload, let the wait time out, or stop there (nobody sends it). */
export type EventDecision = { payload: unknown } | 'timeout' | 'stop';
type Maybe<T> = T | Promise<T>;

export interface SimulationOptions {
  inputs?: Record<string, unknown>;
  alert?: unknown;
  case?: unknown;
  /**
   * The alert gets its case this long after the start, as grouping does for a run started at ingest:
   * until then the run sees `alert.caseId` and `case` as null. Default: from the start.
   */
  groupedAfterMs?: number;
  /** Values for `secrets.<name>`; reading one that is missing is an expression error, as in a real run. */
  secrets?: Record<string, string>;
  /** Where the virtual clock starts (ISO 8601). Fixed by default, so a simulation is repeatable. */
  start?: string;
  /** Jitter source; the default (0.5) makes every backoff the same from one simulation to the next. */
  random?: () => number;
  runId?: string;
  /** Engine events one simulation (nested ones included) may apply; default 10,000. */
  maxEvents?: number;
  actions: (command: ExecuteActionCommand) => Maybe<ActionResult>;
  /** Null: nobody answers here; the run is reported as waiting. Default: nobody answers. */
  tasks?: (command: OpenTaskCommand) => Maybe<TaskDecision | null>;
  /** `simulate` runs the child plan with these same resolvers. Null: the child is still running. */
  subruns?: (
    command: StartSubrunCommand,
    simulate: (plan: PlaybookPlan) => Promise<Simulation>,
  ) => Maybe<(SubrunResult & { simulation?: Simulation }) | null>;
  /** Default: `stop`. */
  events?: (stepKey: string, step: WaitStep) => Maybe<EventDecision>;
}

export interface RequestedAction {
  step: string;
  action: string;
  effect: ActionEffect;
  attempt: number;
  /** As the action received it, secrets replaced by `***`. */
  input: Record<string, unknown>;
  result: ActionResult;
}

export interface AskedTask {
  step: string;
  kind: 'task' | 'approval';
  title: string;
  /** Null while nobody has answered (the simulation stopped there); `closed` when the run closed it. */
  outcome: TaskDecision['outcome'] | 'closed' | null;
}

export type WaitingKind = 'task' | 'approval' | 'event' | 'subrun';

export interface Simulation {
  playbookId: string;
  status: 'succeeded' | 'failed' | 'cancelled' | 'waiting';
  /** Step keys in the order they started. */
  started: string[];
  /** Step keys in the order they finished, with how. */
  finished: { step: string; status: StepStatus }[];
  /** The steps that ended succeeded or failed, in the order they started. */
  path: string[];
  actions: RequestedAction[];
  asked: AskedTask[];
  /** What the run waits on when the simulation stopped. */
  waitingOn: { step: string; kind: WaitingKind }[];
  outputs: Record<string, unknown>;
  vars: Record<string, unknown>;
  error: StepFailure | null;
  /** Engine events applied, nested simulations included. */
  events: number;
  /** Virtual time the run took. */
  elapsedMs: number;
  state: RunState;
}

/** The simulation itself could not go on: too many events, sub-playbooks nested too deep, a bad resolver answer. */
export class SimulationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationError';
  }
}
