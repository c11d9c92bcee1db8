import type { RunState, StepFailure, StepState } from '../src/engine/engine-types.ts';
import type { RunTable, TaskTable } from '../src/store/schema.ts';
import { ANALYSTS, externalIp } from './console-data.ts';

/** One seeded run: what started it, on what, and how it ended. */
export interface RunPlan {
  id: string;
  at: number;
  playbook: string;
  alertId: string;
  caseId: string;
  status: 'succeeded' | 'failed' | 'cancelled' | 'waiting';
}

const FAILURE: StepFailure = {
  kind: 'action',
  code: 'http_429',
  message: 'virustotal.lookup_ip: rate limited by the vendor (429), retries exhausted',
  retryable: false,
};

/** A run row with a stored state shaped like the engine's: three enrichment steps, then a decision. */
export function runRow(p: RunPlan, n: number): RunTable {
  const startedAt = new Date(p.at).toISOString();
  const finishedAt = p.status === 'waiting' ? null : new Date(p.at + 1500 + (n % 4000)).toISOString();
  const ip = externalIp(n % 60_000);
  const step = (key: string, status: StepState['status'], k: number, output?: unknown): StepState => ({
    key,
    stepId: key,
    status,
    attempt: 1,
    input: { ip },
    ...(output === undefined ? {} : { output }),
    startedAt: new Date(p.at + k * 300).toISOString(),
    ...(status === 'succeeded' || status === 'failed'
      ? { finishedAt: new Date(p.at + k * 300 + 250).toISOString() }
      : {}),
    idempotencyKey: `${p.id}:${key}:1`,
  });
  const last =
    p.status === 'failed'
      ? { ...step('reputation', 'failed', 2), error: FAILURE }
      : step('reputation', 'succeeded', 2, { score: n % 100, verdict: n % 9 === 0 ? 'malicious' : 'benign' });
  const decide =
    p.status === 'waiting'
      ? step('approve_block', 'waiting', 3)
      : p.status === 'succeeded'
        ? step('approve_block', 'succeeded', 3, { outcome: 'approved' })
        : undefined;
  const steps: Record<string, StepState> = {
    geo: step('geo', 'succeeded', 0, { ip, country: ['NL', 'US', 'DE', 'RU', 'CN'][n % 5] }),
    asn: step('asn', 'succeeded', 1, { asn: 64_500 + (n % 500), org: 'Example Networks' }),
    reputation: last,
    ...(decide ? { approve_block: decide } : {}),
  };
  const state: RunState = {
    runId: p.id,
    playbookId: p.playbook,
    playbookVersion: 1 + (n % 3),
    status: p.status,
    inputs: {},
    vars: {},
    outputs: p.status === 'succeeded' ? { verdict: 'benign' } : {},
    error: p.status === 'failed' ? FAILURE : null,
    steps,
    wakeAt: null,
    startedAt,
    finishedAt,
    seq: Object.keys(steps).length * 2,
    internal: { cursors: [] },
  };
  return {
    id: p.id,
    playbook_id: p.playbook,
    playbook_version: state.playbookVersion,
    status: p.status,
    trigger: JSON.stringify({ kind: 'alert', alertId: p.alertId }),
    alert_id: p.alertId,
    case_id: p.caseId,
    parent_run_id: null,
    parent_step_key: null,
    started_by: 'trigger',
    dry_run: 0,
    state: JSON.stringify(state),
    seq: state.seq,
    wake_at: null,
    error_kind: p.status === 'failed' ? 'action' : null,
    started_at: startedAt,
    finished_at: finishedAt,
    updated_at: finishedAt ?? startedAt,
  };
}

/** A task (even n) or an approval (odd n) opened by a run's decision step. */
export function taskRow(id: string, run: RunPlan, status: string, at: number, n: number): TaskTable {
  const kind = n % 2 === 0 ? 'task' : 'approval';
  const createdAt = new Date(at).toISOString();
  const expiresAt = new Date(at + 7 * 86_400_000).toISOString();
  const assignee = n % 5 === 0 ? { user: ANALYSTS[n % ANALYSTS.length]! } : { role: 'analyst' };
  const spec =
    kind === 'task'
      ? {
          kind,
          title: 'Is this host expected to talk to this address?',
          description: null,
          assignee,
          choices: ['expected', 'block it'],
          form: null,
          expiresAt,
          onExpiry: { outcome: 'fail' },
          remindEveryMs: null,
        }
      : {
          kind,
          title: 'Block the address at the firewall',
          description: 'paloalto.block_ip on the perimeter',
          approvers: { role: 'manager' },
          quorum: 1,
          separationOfDuties: true,
          expiresAt,
          onExpiry: 'deny',
          escalateTo: null,
          remindEveryMs: null,
        };
  const done = status !== 'open';
  return {
    id,
    run_id: run.id,
    step_key: 'approve_block',
    kind,
    status,
    title: spec.title,
    description: spec.description,
    spec: JSON.stringify(spec),
    assignee_role: kind === 'approval' ? 'manager' : (assignee.role ?? null),
    assignee_user: kind === 'approval' ? null : (assignee.user ?? null),
    playbook_id: run.playbook,
    run_started_by: 'trigger',
    alert_id: run.alertId,
    case_id: run.caseId,
    decisions:
      status === 'completed' && kind === 'approval'
        ? JSON.stringify([
            { by: ANALYSTS[n % ANALYSTS.length], decision: 'approve', reason: null, at: createdAt },
          ])
        : '[]',
    outcome: status === 'completed' ? (kind === 'approval' ? 'approved' : 'answered') : done ? status : null,
    output: status === 'completed' ? JSON.stringify(kind === 'task' ? { choice: 'expected' } : null) : null,
    escalated: 0,
    created_at: createdAt,
    expires_at: expiresAt,
    remind_at: null,
    completed_at: done ? new Date(Math.min(at + 3_600_000, Date.now())).toISOString() : null,
  };
}

/** A playbook whose steps are those of the seeded runs (geo, asn, reputation, approve_block). */
export function seededPlaybook(id: string): string {
  return `id: ${id}
name: ${id.replaceAll('_', ' ')}
time_saved: 10m
triggers: { manual: true }
steps:
  - id: geo
    uses: core.echo
    with: { step: geo }
  - id: asn
    uses: core.echo
    with: { step: asn }
  - id: reputation
    uses: core.echo
    with: { step: reputation }
  - id: approve_block
    approval:
      title: Block it?
      approvers: { role: manager }
      expires_in: 1h
`;
}
