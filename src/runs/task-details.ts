import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/schema.ts';
import type { TaskSummary } from './task-service.ts';

type Target = { type: string; value: string };

/** What an inbox shows beside a task: where it comes from, what it guards, and who asked for it. */
export interface TaskDetails {
  playbook: { id: string; name: string | null; version: number | null };
  run: { id: string; status: string | null; startedBy: string | null };
  case: { id: string; title: string; status: string; severity: string } | null;
  /** When the approval guards a response action (the response gate opened it): the action and its target. */
  guards: { action: string; effect: string | null; target: Target | null } | null;
  /** Why a person is asked: a response policy, or the playbook's own task or approval step. */
  requiredBy:
    | { kind: 'policy'; policy: string; ruleId: string | null }
    | { kind: 'step'; playbookId: string; stepKey: string };
  /** Approvals: how many distinct approvals grant it, and how many there are so far. */
  quorum: { required: number; approvals: number } | null;
}

export type TaskView = TaskSummary & TaskDetails;

interface GateSpec {
  policy?: unknown;
  action?: unknown;
  effect?: unknown;
  target?: unknown;
  targetRef?: unknown;
  ruleId?: unknown;
  quorum?: unknown;
}

function targetOf(spec: GateSpec): Target | null {
  const ref = spec.targetRef as Target | null | undefined;
  if (ref && typeof ref.type === 'string' && typeof ref.value === 'string') return ref;
  // Approvals opened before the gate stored the structured target: "host dc01".
  if (typeof spec.target !== 'string') return null;
  const space = spec.target.indexOf(' ');
  return space > 0 && spec.target !== 'its target'
    ? { type: spec.target.slice(0, space), value: spec.target.slice(space + 1) }
    : null;
}

const uniq = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => v !== null))];

/**
 * Adds each task's playbook name, run, case (through its alert when the run started before grouping
 * gave the alert a case), the response action and target it guards, the rule that requires it, and its
 * quorum progress — a handful of queries for the whole page, each by primary key.
 */
export async function describeTasks(db: Kysely<DatabaseSchema>, tasks: TaskSummary[]): Promise<TaskView[]> {
  if (tasks.length === 0) return [];
  const runs = await db
    .selectFrom('runs')
    .select(['id', 'status', 'started_by', 'playbook_version', 'case_id', 'alert_id'])
    .where('id', 'in', uniq(tasks.map((t) => t.runId)))
    .execute();
  const runById = new Map(runs.map((r) => [r.id, r]));
  const playbooks = await db
    .selectFrom('playbooks')
    .select(['id', 'name'])
    .where('id', 'in', uniq(tasks.map((t) => t.playbookId)))
    .execute();
  const nameOf = new Map(playbooks.map((p) => [p.id, p.name]));
  const alertIds = uniq(
    tasks.filter((t) => !t.caseId && !runById.get(t.runId)?.case_id).map((t) => t.alertId),
  );
  const alerts = alertIds.length
    ? await db.selectFrom('alerts').select(['id', 'case_id']).where('id', 'in', alertIds).execute()
    : [];
  const caseOfAlert = new Map(alerts.map((a) => [a.id, a.case_id]));
  const caseIdOf = (t: TaskSummary) =>
    t.caseId ?? runById.get(t.runId)?.case_id ?? (t.alertId ? (caseOfAlert.get(t.alertId) ?? null) : null);
  const caseIds = uniq(tasks.map(caseIdOf));
  const cases = caseIds.length
    ? await db
        .selectFrom('cases')
        .select(['id', 'title', 'status', 'severity'])
        .where('id', 'in', caseIds)
        .execute()
    : [];
  const caseById = new Map(cases.map((c) => [c.id, c]));

  return tasks.map((task) => {
    const run = runById.get(task.runId);
    const spec = task.spec as GateSpec;
    const fromGate = typeof spec.policy === 'string' && typeof spec.action === 'string';
    const caseId = caseIdOf(task);
    const found = caseId ? caseById.get(caseId) : undefined;
    return {
      ...task,
      playbook: {
        id: task.playbookId,
        name: nameOf.get(task.playbookId) ?? null,
        version: run?.playbook_version ?? null,
      },
      run: { id: task.runId, status: run?.status ?? null, startedBy: run?.started_by ?? null },
      case: found
        ? { id: found.id, title: found.title, status: found.status, severity: found.severity }
        : null,
      guards: fromGate
        ? {
            action: spec.action as string,
            effect: typeof spec.effect === 'string' ? spec.effect : null,
            target: targetOf(spec),
          }
        : null,
      requiredBy: fromGate
        ? {
            kind: 'policy',
            policy: spec.policy as string,
            ruleId: typeof spec.ruleId === 'string' ? spec.ruleId : null,
          }
        : { kind: 'step', playbookId: task.playbookId, stepKey: task.stepKey },
      quorum:
        task.kind === 'approval'
          ? {
              required: typeof spec.quorum === 'number' ? spec.quorum : 1,
              approvals: task.decisions.filter((d) => d.decision === 'approve').length,
            }
          : null,
    };
  });
}
