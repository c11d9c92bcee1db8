import { TERMINAL_RUN_STATUSES } from '../engine/engine-types.ts';
import type { Riposte } from '../riposte.ts';
import type { DemoAlert } from './demo-alerts.ts';

/** A person's question a run waits on. */
export interface OpenQuestion {
  kind: 'task' | 'approval';
  title: string;
  /** The role (or person) asked. */
  assignee: string;
}

export interface RunProgress {
  id: string;
  playbookId: string;
  status: string;
  outputs: Record<string, unknown>;
  waitingOn: OpenQuestion[];
}

/** Where one sample alert stands: its case and the runs it started. */
export interface AlertProgress {
  alert: DemoAlert;
  alertId: string;
  title: string;
  caseId: string | null;
  runs: RunProgress[];
}

/**
 * Settled: it has a case, it started a run, and every run either ended or waits for a person (a
 * run that waits on a timer — polling a sandbox, waiting for the case — is still working).
 */
export function isSettled(progress: AlertProgress): boolean {
  return (
    progress.caseId !== null &&
    progress.runs.length > 0 &&
    progress.runs.every((r) => TERMINAL_RUN_STATUSES.includes(r.status as never) || r.waitingOn.length > 0)
  );
}

export async function alertProgress(
  riposte: Riposte,
  alert: DemoAlert,
  alertId: string,
): Promise<AlertProgress> {
  const stored = await riposte.alerts.get(alertId);
  const runs: RunProgress[] = [];
  for (const summary of (await riposte.runs.list({ alertId, limit: 20 })).items) {
    if (summary.parentRunId !== null) continue;
    const detail = await riposte.runs.get(summary.id);
    const open = await riposte.tasks.list({ runId: summary.id, status: 'open' });
    runs.push({
      id: summary.id,
      playbookId: summary.playbookId,
      status: summary.status,
      outputs: detail.outputs,
      waitingOn: open.map((t) => ({
        kind: t.kind,
        title: t.title,
        assignee: t.assignee.user ?? t.assignee.role ?? 'anyone',
      })),
    });
  }
  return { alert, alertId, title: stored.title, caseId: stored.caseId, runs: runs.reverse() };
}

function shown(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (Array.isArray(value)) return value.length === 0 ? null : value.map((v) => shown(v) ?? '').join(', ');
  if (typeof value === 'object') return null;
  return String(value);
}

/** A run in a few words: what it decided, or what it waits for. */
function describeRun(run: RunProgress): string {
  if (run.waitingOn.length > 0) {
    const asks = run.waitingOn.map(
      (q) => `${q.kind === 'approval' ? 'an approval' : 'a task'} for the ${q.assignee}: "${q.title}"`,
    );
    return `${run.playbookId} waits for ${asks.join(' and ')}`;
  }
  const facts = Object.entries(run.outputs)
    .map(([key, value]) => [key.replace(/_/g, ' '), shown(value)] as const)
    .filter(([, value]) => value !== null && value.length <= 80)
    .map(([key, value]) => `${key}: ${value}`);
  return `${run.playbookId} ${run.status}${facts.length > 0 ? ` (${facts.join('; ')})` : ''}`;
}

const MARK: Record<string, string> = { succeeded: '✔', failed: '✘', cancelled: '✘' };

/** One line per sample alert: its scenario, its title, and what its runs did or wait for. */
export function describeProgress(progress: AlertProgress, consoleUrl: string): string {
  const waiting = progress.runs.some((r) => r.waitingOn.length > 0);
  const mark = waiting ? '⏸' : (MARK[progress.runs[0]?.status ?? ''] ?? '·');
  const runs = progress.runs.length > 0 ? progress.runs.map(describeRun).join('; ') : 'no playbook ran';
  const link = progress.caseId ? ` → ${consoleUrl}cases/${progress.caseId}` : '';
  return `${mark} ${progress.alert.scenario.padEnd(18)} "${progress.title}": ${runs}${link}`;
}

/** The lines printed once every sample alert has settled. */
export function summary(all: readonly AlertProgress[], consoleUrl: string): string[] {
  const runs = all.flatMap((p) => p.runs);
  const waiting = runs.filter((r) => r.waitingOn.length > 0).length;
  return [
    '',
    `All ${all.length} sample alerts were worked: ${runs.length - waiting} runs finished, ${waiting} wait for a person.`,
    `Answer them in the console (${consoleUrl}approvals); a new line follows each answer. Ctrl-C stops the demo.`,
  ];
}
