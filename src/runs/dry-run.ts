/**
 * Dry runs as the console asks for them: the saved playbook as a real run with its writes intercepted
 * (what `riposte playbook run --dry-run` does), or a source not saved yet simulated on the alert like a
 * backtest of one alert (nothing is stored). Both answer the same report.
 */
import type { Actor } from '../audit/audit-log.ts';
import { RiposteError } from '../core/riposte-error.ts';
import type { StepFailure } from '../engine/engine-types.ts';
import { backtestAlert, type BacktestDeps } from './backtest.ts';
import type { InterceptedAction } from './action-executor.ts';
import type { PlaybookService } from './playbook-service.ts';
import type { RunDetail } from './run-record.ts';
import type { RunService } from './run-service.ts';

export interface WouldHaveDone {
  step: string;
  action: string;
  effect: string;
  input: Record<string, unknown>;
}

export interface DryRunReport {
  /** `run`: a stored run flagged dryRun; `simulation`: unsaved source, nothing stored. */
  mode: 'run' | 'simulation';
  playbookId: string;
  /** The version run; null for unsaved source. */
  version: number | null;
  alertId: string;
  runId: string | null;
  status: string;
  /** The steps in the order they ran, with how they ended (or stand). */
  steps: { key: string; status: string }[];
  /** The write and destructive actions intercepted. */
  wouldHaveDone: WouldHaveDone[];
  /** Tasks and approvals a person would be (or was) asked; a simulation stops at the first. */
  wouldAsk: { step: string; kind: string; title: string }[];
  error: StepFailure | { kind: string; message: string } | null;
}

/** The steps of a dry run whose action was intercepted (their output says so), as the CLI prints them. */
export function interceptedActions(detail: RunDetail): ({ step: string } & InterceptedAction)[] {
  return detail.steps
    .filter((s) => (s.output as { dryRun?: unknown } | undefined)?.dryRun === true)
    .map((s) => ({ step: s.key, ...(s.output as InterceptedAction) }));
}

export interface DryRunDeps extends BacktestDeps {
  playbooks: PlaybookService;
  runs: RunService;
}

export interface DryRunRequest {
  playbookId: string;
  alertId: string;
  /** Unsaved source to simulate instead of the saved version. */
  source?: string;
  startedBy: string;
  actor: Actor;
  /** How long to wait for a real dry run to settle. */
  waitMs: number;
}

export async function dryRun(deps: DryRunDeps, request: DryRunRequest): Promise<DryRunReport> {
  const { version } = await deps.playbooks.current(request.playbookId);
  if (request.source === undefined) return stored(deps, request, version);
  const result = deps.playbooks.validate(request.source, `${request.playbookId}.yaml`);
  if (!result.ok)
    throw new RiposteError(
      'invalid_playbook',
      `the playbook has ${result.errors.length} error(s): ${result.errors[0]?.message ?? ''}`,
      { extra: { errors: result.errors, warnings: result.warnings } },
    );
  if (result.plan.id !== request.playbookId)
    throw new RiposteError(
      'validation_failed',
      `the source's id is "${result.plan.id}", not "${request.playbookId}"`,
      { path: '/source' },
    );
  const { report: simulated, steps } = await backtestAlert(deps, result.plan, request.alertId);
  return {
    mode: 'simulation',
    playbookId: request.playbookId,
    version: null,
    alertId: request.alertId,
    runId: null,
    status: simulated.status,
    steps,
    wouldHaveDone: simulated.wouldDo,
    wouldAsk: simulated.wouldAsk,
    error: simulated.error,
  };
}

async function stored(deps: DryRunDeps, request: DryRunRequest, version: number): Promise<DryRunReport> {
  const run = await deps.runs.start({
    playbookId: request.playbookId,
    alertId: request.alertId,
    dryRun: true,
    startedBy: request.startedBy,
    actor: request.actor,
  });
  const detail = await deps.runs.settle(run.id, request.waitMs);
  const ordered = [...detail.steps].sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? ''));
  return {
    mode: 'run',
    playbookId: request.playbookId,
    version: detail.playbookVersion ?? version,
    alertId: request.alertId,
    runId: detail.id,
    status: detail.status,
    steps: ordered.map((s) => ({ key: s.key, status: s.status })),
    wouldHaveDone: interceptedActions(detail).map(({ step, intercepted, effect, input }) => ({
      step,
      action: intercepted,
      effect,
      input,
    })),
    wouldAsk: [],
    error: detail.error,
  };
}
