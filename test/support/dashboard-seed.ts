import { SEVERITY_ID, type Severity } from '../../src/core/alert.ts';
import { idFloor } from '../../src/core/ids.ts';
import type { Riposte } from '../../src/riposte.ts';
import type { AlertTable, CaseTable, RunTable, TaskTable } from '../../src/store/schema.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

let counter = 0;
/** An id stamped with a chosen time (ids sort by creation time; the dashboard relies on it). */
function idAt(prefix: string, ms: number): string {
  return idFloor(prefix, ms).slice(0, -4) + (counter++).toString(36).padStart(4, '0');
}

const iso = (ms: number) => new Date(ms).toISOString();

export interface SeedCase {
  key: string;
  status: 'open' | 'closed';
  severity: Severity;
  createdAgo: number;
  /** How long after creation it was acknowledged / closed. */
  ackAfter?: number;
  containAfter?: number;
  closedAfter?: number;
  resolution?: 'true_positive' | 'false_positive';
  ruleKey?: string;
  alertCount?: number;
  /** Who acted on it, as audit rows: a run closing it, a person closing, commenting, viewing. */
  by?: ('run' | 'person' | 'comment' | 'view')[];
  /** A person answered a task of a run on this case. */
  answeredTask?: boolean;
}

export interface SeedAlert {
  source: string;
  ruleId: string | null;
  ruleName: string | null;
  title: string;
  severity: Severity;
  ago: number;
  caseKey?: string;
}

export interface SeedTask {
  kind: 'task' | 'approval';
  role?: string;
  user?: string;
}

/** Writes cases, alerts, runs, tasks and audit rows at chosen times before `now`. Returns case ids by key. */
export async function seedDashboard(
  riposte: Riposte,
  now: number,
  data: { cases: SeedCase[]; alerts: SeedAlert[]; tasks: SeedTask[] },
): Promise<Record<string, string>> {
  const db = riposte.database.db;
  const ids: Record<string, string> = {};
  for (const c of data.cases) {
    const created = now - c.createdAgo;
    const id = idAt('case_', created);
    ids[c.key] = id;
    const row: CaseTable = {
      id,
      title: `Seeded case ${c.key}`,
      description: null,
      status: c.status,
      severity: c.severity,
      severity_id: SEVERITY_ID[c.severity],
      priority: 50,
      priority_factors: '[]',
      assignee: null,
      tags: '[]',
      resolution: c.resolution ?? null,
      resolution_note: null,
      alert_count: c.alertCount ?? 1,
      rule_key: c.ruleKey ?? null,
      host: null,
      asset_type: null,
      asset_value: null,
      asset_criticality: null,
      search_values: 0,
      intel_matches: 0,
      intel_sources: '[]',
      intel_confidence: null,
      intel_observables: '[]',
      created_at: iso(created),
      updated_at: iso(created),
      closed_at: c.closedAfter === undefined ? null : iso(created + c.closedAfter),
      last_alert_at: iso(created),
      acknowledged_at: c.ackAfter === undefined ? null : iso(created + c.ackAfter),
      contained_at: c.containAfter === undefined ? null : iso(created + c.containAfter),
    };
    await db.insertInto('cases').values(row).execute();
    const runId = idAt('run_', created);
    for (const who of c.by ?? []) {
      const actor =
        who === 'run'
          ? { id: `run:${runId}`, type: 'system' as const }
          : { id: 'analyst', type: 'user' as const };
      const action = who === 'comment' ? 'case.comment' : who === 'view' ? 'case.view' : 'case.update';
      await riposte.audit.write(db, [{ actor, action, targetType: 'case', targetId: id }]);
    }
    if (c.answeredTask) {
      await db
        .insertInto('runs')
        .values(run(runId, id, created))
        .execute();
      await db
        .insertInto('tasks')
        .values(
          task(
            idAt('task_', created),
            runId,
            id,
            { kind: 'approval', role: 'analyst' },
            'completed',
            created,
          ),
        )
        .execute();
    }
  }
  for (const a of data.alerts) {
    const at = now - a.ago;
    const row: AlertTable = {
      id: idAt('alert_', at),
      source: a.source,
      format: 'suricata',
      source_ref: null,
      fingerprint: `seed-${counter}`,
      title: a.title,
      description: null,
      severity: a.severity,
      severity_id: SEVERITY_ID[a.severity],
      category: 'test',
      rule_id: a.ruleId,
      rule_name: a.ruleName,
      event_time: iso(at),
      first_seen: iso(at),
      last_seen: iso(at),
      count: 1,
      case_id: a.caseKey ? ids[a.caseKey]! : null,
      status: 'new',
      observables: JSON.stringify([{ type: 'ipv4', value: '10.0.0.1', role: 'source' }]),
      mitre: '[]',
      raw: JSON.stringify({ seeded: true }),
      created_at: iso(at),
    };
    await db.insertInto('alerts').values(row).execute();
  }
  for (const t of data.tasks) {
    const runId = idAt('run_', now - HOUR);
    await db
      .insertInto('runs')
      .values(run(runId, null, now - HOUR))
      .execute();
    await db
      .insertInto('tasks')
      .values(task(idAt('task_', now - HOUR), runId, null, t, 'open', now - HOUR))
      .execute();
  }
  return ids;
}

function run(id: string, caseId: string | null, at: number): RunTable {
  return {
    id,
    playbook_id: 'seeded',
    playbook_version: 1,
    status: 'waiting',
    trigger: JSON.stringify({ kind: 'manual' }),
    alert_id: null,
    case_id: caseId,
    parent_run_id: null,
    parent_step_key: null,
    started_by: 'seed',
    dry_run: 0,
    state: '{}',
    seq: 1,
    wake_at: null,
    error_kind: null,
    started_at: iso(at),
    finished_at: null,
    updated_at: iso(at),
  };
}

function task(
  id: string,
  runId: string,
  caseId: string | null,
  t: SeedTask,
  status: 'open' | 'completed',
  at: number,
): TaskTable {
  return {
    id,
    run_id: runId,
    step_key: 'ask',
    kind: t.kind,
    status,
    title: `Seeded ${t.kind}`,
    description: null,
    spec: JSON.stringify({ kind: t.kind }),
    assignee_role: t.role ?? null,
    assignee_user: t.user ?? null,
    playbook_id: 'seeded',
    run_started_by: 'seed',
    alert_id: null,
    case_id: caseId,
    decisions: '[]',
    outcome: status === 'completed' ? 'approved' : null,
    output: null,
    escalated: 0,
    created_at: iso(at),
    expires_at: null,
    remind_at: null,
    completed_at: status === 'completed' ? iso(at + HOUR) : null,
  };
}

/**
 * A small SOC week, before `now`: three open cases (two high, one critical), four closed in the last
 * 7 days (one by a playbook alone), one closed 10 days ago, alerts from three rules, and open work.
 */
export const SOC_WEEK = {
  cases: [
    {
      key: 'c1',
      status: 'open',
      severity: 'high',
      createdAgo: 2 * HOUR,
      ackAfter: HOUR,
      containAfter: 90 * MINUTE,
      ruleKey: 'ids:R1',
    },
    { key: 'c2', status: 'open', severity: 'high', createdAgo: 3 * HOUR },
    { key: 'c3', status: 'open', severity: 'critical', createdAgo: DAY, ackAfter: 30 * MINUTE },
    {
      key: 'c4',
      status: 'closed',
      severity: 'medium',
      createdAgo: 2 * DAY,
      ackAfter: 2 * HOUR,
      containAfter: 3 * HOUR,
      closedAfter: DAY,
      resolution: 'false_positive',
      ruleKey: 'ids:R1',
      alertCount: 2,
      by: ['person'],
    },
    {
      key: 'c5',
      status: 'closed',
      severity: 'low',
      createdAgo: 3 * DAY,
      ackAfter: 4 * HOUR,
      closedAfter: 4 * HOUR,
      resolution: 'true_positive',
      ruleKey: 'ids:R1',
      alertCount: 3,
      by: ['run', 'view'],
    },
    {
      key: 'c6',
      status: 'closed',
      severity: 'low',
      createdAgo: 20 * DAY,
      ackAfter: HOUR,
      closedAfter: 10 * DAY,
      resolution: 'false_positive',
      ruleKey: 'ids:R2',
      by: ['person'],
    },
    {
      key: 'c7',
      status: 'closed',
      severity: 'low',
      createdAgo: 5 * DAY,
      ackAfter: HOUR,
      closedAfter: HOUR,
      resolution: 'true_positive',
      ruleKey: 'ids:R2',
      alertCount: 1,
      by: ['run', 'comment'],
    },
    {
      key: 'c8',
      status: 'closed',
      severity: 'medium',
      createdAgo: 4 * DAY,
      ackAfter: 2 * HOUR,
      closedAfter: 2 * HOUR,
      resolution: 'false_positive',
      ruleKey: 'ids:R1',
      alertCount: 4,
      by: ['run'],
      answeredTask: true,
    },
  ] satisfies SeedCase[],
  alerts: [
    {
      source: 'ids',
      ruleId: 'R1',
      ruleName: 'Port scan',
      title: 'Port scan',
      severity: 'high',
      ago: 10 * MINUTE,
    },
    {
      source: 'ids',
      ruleId: 'R1',
      ruleName: 'Port scan',
      title: 'Port scan',
      severity: 'high',
      ago: 10 * MINUTE,
    },
    {
      source: 'ids',
      ruleId: 'R1',
      ruleName: 'Port scan',
      title: 'Port scan',
      severity: 'high',
      ago: 2 * HOUR,
    },
    {
      source: 'ids',
      ruleId: 'R1',
      ruleName: 'Port scan',
      title: 'Port scan',
      severity: 'medium',
      ago: 3 * DAY,
    },
    {
      source: 'ids',
      ruleId: 'R1',
      ruleName: 'Port scan',
      title: 'Port scan',
      severity: 'medium',
      ago: 3 * DAY,
    },
    {
      source: 'ids',
      ruleId: 'R2',
      ruleName: 'SSH brute force',
      title: 'SSH',
      severity: 'low',
      ago: 2 * HOUR,
    },
    {
      source: 'ids',
      ruleId: 'R2',
      ruleName: 'SSH brute force',
      title: 'SSH',
      severity: 'low',
      ago: 5 * HOUR,
    },
    { source: 'ids', ruleId: 'R2', ruleName: 'SSH brute force', title: 'SSH', severity: 'low', ago: 4 * DAY },
    {
      source: 'ids',
      ruleId: 'R2',
      ruleName: 'SSH brute force',
      title: 'SSH',
      severity: 'low',
      ago: 10 * DAY,
    },
    { source: 'ids', ruleId: null, ruleName: 'Beacon', title: 'Beacon', severity: 'medium', ago: 2 * HOUR },
    { source: 'ids', ruleId: null, ruleName: 'Beacon', title: 'Beacon', severity: 'medium', ago: 6 * DAY },
    { source: 'mail', ruleId: null, ruleName: null, title: 'Reported phish', severity: 'low', ago: HOUR },
  ] satisfies SeedAlert[],
  tasks: [
    { kind: 'task', role: 'analyst' },
    { kind: 'approval', role: 'manager' },
    { kind: 'approval', user: 'test-analyst' },
  ] satisfies SeedTask[],
};
