/**
 * The engine's pure core speaks in these: the runner feeds it events, stores the state it returns
 * (one row per run, committed on every transition) and carries out the commands.
 */
import type { ActionEffect, Assignee, FormField } from '../core/playbook.ts';

export const RUN_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

export const STEP_STATUSES = [
  'pending',
  'running',
  'retrying',
  'waiting',
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** Why a step failed, stored on the step and, when it ends the run, on the run. One exhaustive union. */
export type StepFailure =
  | { kind: 'action'; code: string; message: string; retryable: boolean; retryAfterMs?: number }
  | { kind: 'timeout'; message: string; timeoutMs: number }
  | { kind: 'expression'; message: string; expression: string; shapes: Record<string, string> }
  | { kind: 'bounds'; message: string }
  | { kind: 'denied'; message: string; by: string[] }
  | { kind: 'expired'; message: string }
  | { kind: 'cancelled'; message: string }
  | { kind: 'subrun'; message: string; runId: string }
  | { kind: 'fail_step'; message: string }
  | { kind: 'unknown_action'; message: string }
  /** The run's inputs do not match the playbook's declared inputs (the run fails before any step). */
  | { kind: 'input'; message: string; input: string }
  | { kind: 'internal'; message: string }
  /** Refused by a response guardrail (protected entity, blast radius, cool-down, policy denial). */
  | { kind: 'policy'; message: string; rule: string };

/**
 * One step instance. Keys: the step id, with the loop iteration for steps inside a for_each body:
 * `lookup`, `each_ip[2].lookup`, `outer[0].inner[3].x`.
 */
export interface StepState {
  key: string;
  stepId: string;
  status: StepStatus;
  attempt: number;
  /** The evaluated inputs, secrets redacted. */
  input?: unknown;
  output?: unknown;
  error?: StepFailure;
  /** Every failed attempt's error, oldest first (the last failure is also in `error`). */
  attempts?: { attempt: number; error: StepFailure; at: string }[];
  startedAt?: string;
  finishedAt?: string;
  /** When the step's timer is due (retry backoff, delay, poll, wait timeout). */
  timerAt?: string;
  /** `wait: until` and `wait: event`: when waiting gives up (the step fails with a timeout). */
  deadlineAt?: string;
  /**
   * The attempt the current retry budget started at (absent: 1). A run retry reopens a step with
   * attempt + 1 rather than 1, so every attempt keeps a distinct idempotency key.
   */
  firstAttempt?: number;
  /** Stable id of the current attempt, passed to the integration (`<runId>:<key>:<attempt>`). */
  idempotencyKey?: string;
}

/** What the reducer needs besides state and event. Pure: the runner provides everything. */
export interface EngineContext {
  /** ISO 8601 now. */
  now: string;
  alert?: unknown;
  case?: unknown;
  secrets: Record<string, string>;
  /** Returns a number in [0, 1) — jitter; a seeded source makes tests deterministic. */
  random: () => number;
}

export type TaskCommandSpec = {
  kind: 'task';
  title: string;
  description: string | null;
  assignee: Assignee;
  choices: string[] | null;
  form: FormField[] | null;
  expiresAt: string | null;
  onExpiry: { outcome: 'fail' } | { outcome: 'choose'; choice: string };
  remindEveryMs: number | null;
};

export type ApprovalCommandSpec = {
  kind: 'approval';
  title: string;
  description: string | null;
  approvers: Assignee;
  quorum: number;
  separationOfDuties: boolean;
  expiresAt: string;
  onExpiry: 'deny' | 'escalate';
  escalateTo: Assignee | null;
  remindEveryMs: number | null;
};

export type EngineCommand =
  | {
      type: 'execute_action';
      stepKey: string;
      action: string;
      effect: ActionEffect;
      /** Real values (secrets included): never store this. */
      input: Record<string, unknown>;
      attempt: number;
      idempotencyKey: string;
      timeoutMs: number | null;
      /** The RE&CT id the step carries out: its own `react:`, else its action's. */
      react?: string;
    }
  | { type: 'open_task'; stepKey: string; spec: TaskCommandSpec | ApprovalCommandSpec }
  | { type: 'close_task'; stepKey: string; reason: string }
  | { type: 'start_subrun'; stepKey: string; playbookId: string; inputs: Record<string, unknown> }
  | { type: 'cancel_subrun'; stepKey: string }
  | { type: 'cancel_action'; stepKey: string }
  | {
      type: 'run_finished';
      status: 'succeeded' | 'failed' | 'cancelled';
      outputs: Record<string, unknown>;
      error: StepFailure | null;
    };

export type EngineEvent =
  | { type: 'action_completed'; stepKey: string; attempt: number; output: unknown }
  | { type: 'action_failed'; stepKey: string; attempt: number; error: StepFailure }
  /** Timers are checked against ctx.now: every step whose timerAt has passed moves on. */
  | { type: 'timer_fired' }
  | {
      type: 'task_completed';
      stepKey: string;
      outcome: 'answered' | 'approved' | 'denied' | 'expired';
      /** The answer (task), or the decisions (approval). */
      output: unknown;
      by: string[];
    }
  | {
      type: 'subrun_finished';
      stepKey: string;
      runId: string;
      status: 'succeeded' | 'failed' | 'cancelled';
      outputs: Record<string, unknown>;
      error: StepFailure | null;
    }
  | { type: 'external_event'; name: string; payload: unknown }
  | { type: 'cancel'; by: string; reason: string }
  /** On a failed run: reopen its failed step(s) with a fresh attempt count. */
  | { type: 'retry'; by: string };

export interface RunState {
  runId: string;
  playbookId: string;
  playbookVersion: number;
  status: RunStatus;
  inputs: Record<string, unknown>;
  vars: Record<string, unknown>;
  outputs: Record<string, unknown>;
  error: StepFailure | null;
  steps: Record<string, StepState>;
  /** Earliest timerAt over all steps; the runner wakes the run then. */
  wakeAt: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** Transitions applied so far (optimistic concurrency and ordering). */
  seq: number;
  /** The reducer's own bookkeeping (active cursors, loop progress, branch joins). Opaque to others; JSON. */
  internal: unknown;
}

export interface Transition {
  state: RunState;
  commands: EngineCommand[];
}
