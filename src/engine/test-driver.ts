/**
 * A small driver for engine tests: holds a run's state, a fake clock and every command issued, and
 * sends events the way the runner would. A fake, not a mock: it only calls the public API.
 */
import type { PlaybookPlan } from '../core/playbook.ts';
import type {
  EngineCommand,
  EngineContext,
  EngineEvent,
  RunState,
  StepFailure,
  StepState,
  Transition,
} from './engine-types.ts';
import { advance, resumeCommands, startRun } from './engine.ts';

export const T0 = Date.parse('2025-01-01T00:00:00.000Z');

/** A seeded generator (mulberry32): jitter is deterministic in tests. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export interface DriverOptions {
  inputs?: Record<string, unknown>;
  secrets?: Record<string, string>;
  alert?: unknown;
  random?: () => number;
  runId?: string;
}

export type ExecuteAction = EngineCommand & { type: 'execute_action' };

export class Driver {
  readonly plan: PlaybookPlan;
  state: RunState;
  /** Commands of the last transition. */
  commands: EngineCommand[];
  /** Every command so far, in order. */
  readonly log: EngineCommand[] = [];
  nowMs = T0;
  secrets: Record<string, string>;
  alert: unknown;
  random: () => number;

  constructor(plan: PlaybookPlan, opts: DriverOptions = {}) {
    this.plan = plan;
    this.secrets = opts.secrets ?? {};
    this.alert = opts.alert;
    this.random = opts.random ?? seeded(1);
    const t = startRun(
      plan,
      { runId: opts.runId ?? 'run_1', playbookVersion: 1, inputs: opts.inputs ?? {} },
      this.ctx(),
    );
    this.state = t.state;
    this.commands = t.commands;
    this.log.push(...t.commands);
  }

  ctx(): EngineContext {
    return {
      now: new Date(this.nowMs).toISOString(),
      alert: this.alert,
      secrets: this.secrets,
      random: this.random,
    };
  }

  send(event: EngineEvent): Transition {
    const t = advance(this.plan, this.state, event, this.ctx());
    this.state = t.state;
    this.commands = t.commands;
    this.log.push(...t.commands);
    return t;
  }

  step(key: string): StepState {
    const s = this.state.steps[key];
    if (!s) throw new Error(`no step ${key}; have ${Object.keys(this.state.steps).join(', ')}`);
    return s;
  }

  complete(key: string, output: unknown = { ok: key }, attempt = this.step(key).attempt): Transition {
    return this.send({ type: 'action_completed', stepKey: key, attempt, output });
  }

  failAction(key: string, error: Partial<StepFailure> = {}, attempt = this.step(key).attempt): Transition {
    const failure = {
      kind: 'action',
      code: 'boom',
      message: 'boom',
      retryable: true,
      ...error,
    } as StepFailure;
    return this.send({ type: 'action_failed', stepKey: key, attempt, error: failure });
  }

  /** Moves the clock on by `ms` and fires timers. */
  tick(ms: number): Transition {
    this.nowMs += ms;
    return this.send({ type: 'timer_fired' });
  }

  /** Moves the clock to the run's wakeAt and fires timers. */
  wake(): Transition {
    if (this.state.wakeAt === null) throw new Error('the run has no timer');
    this.nowMs = Math.max(this.nowMs, Date.parse(this.state.wakeAt));
    return this.send({ type: 'timer_fired' });
  }

  answer(
    key: string,
    outcome: 'answered' | 'approved' | 'denied' | 'expired',
    output: unknown = null,
    by = ['alice'],
  ): Transition {
    return this.send({ type: 'task_completed', stepKey: key, outcome, output, by });
  }

  /** The execute_action commands not yet answered or cancelled, oldest first. */
  outstanding(): ExecuteAction[] {
    const open = new Map<string, ExecuteAction>();
    for (const c of this.log) {
      if (c.type === 'execute_action') open.set(c.stepKey, c);
      if (c.type === 'cancel_action') open.delete(c.stepKey);
    }
    return [...open.values()].filter((c) => {
      const s = this.state.steps[c.stepKey];
      return s?.status === 'running' && s.attempt === c.attempt;
    });
  }

  resume(): EngineCommand[] {
    return resumeCommands(this.plan, this.state, this.ctx());
  }
}

export const types = (commands: EngineCommand[]): string[] =>
  commands.map((c) => `${c.type}:${'stepKey' in c ? c.stepKey : c.type === 'run_finished' ? c.status : ''}`);

/** The input of an execute_action command (undefined for any other command). */
export const inputOf = (c: EngineCommand | undefined): unknown =>
  c?.type === 'execute_action' ? c.input : undefined;
