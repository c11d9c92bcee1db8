import type { RunState, RunStatus, StepFailure, StepState } from '../engine/engine-types.ts';
import type { RunTable } from '../store/schema.ts';

/** What started a run. */
export type RunTrigger =
  | { kind: 'alert'; alertId: string }
  | { kind: 'case'; caseId: string; event: string }
  | { kind: 'schedule'; expression: string; at: string }
  | { kind: 'manual'; by: string }
  | { kind: 'subrun'; parentRunId: string; stepKey: string }
  | { kind: 'backtest'; alertId: string };

export interface RunSummary {
  id: string;
  playbookId: string;
  playbookVersion: number;
  status: RunStatus;
  trigger: RunTrigger;
  alertId: string | null;
  caseId: string | null;
  parentRunId: string | null;
  startedBy: string;
  dryRun: boolean;
  error: StepFailure | null;
  startedAt: string;
  finishedAt: string | null;
  updatedAt: string;
}

export interface RunDetail extends RunSummary {
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  vars: Record<string, unknown>;
  steps: StepState[];
}

/** A queued run's row holds only its inputs until the engine starts it. */
export interface QueuedState {
  queued: true;
  inputs: Record<string, unknown>;
}

export function isQueuedState(state: unknown): state is QueuedState {
  return typeof state === 'object' && state !== null && (state as { queued?: unknown }).queued === true;
}

export function toRunSummary(row: RunTable, state?: RunState | QueuedState): RunSummary {
  const parsed = state ?? (JSON.parse(row.state) as RunState | QueuedState);
  return {
    id: row.id,
    playbookId: row.playbook_id,
    playbookVersion: Number(row.playbook_version),
    status: row.status as RunStatus,
    trigger: JSON.parse(row.trigger) as RunTrigger,
    alertId: row.alert_id,
    caseId: row.case_id,
    parentRunId: row.parent_run_id,
    startedBy: row.started_by,
    dryRun: row.dry_run === 1,
    error: isQueuedState(parsed) ? null : parsed.error,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
  };
}

export function toRunDetail(row: RunTable): RunDetail {
  const state = JSON.parse(row.state) as RunState | QueuedState;
  const summary = toRunSummary(row, state);
  if (isQueuedState(state)) return { ...summary, inputs: state.inputs, outputs: {}, vars: {}, steps: [] };
  const steps = Object.values(state.steps).sort((a, b) =>
    (a.startedAt ?? '\uffff').localeCompare(b.startedAt ?? '\uffff'),
  );
  return { ...summary, inputs: state.inputs, outputs: state.outputs, vars: state.vars, steps };
}
