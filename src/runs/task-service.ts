import type { Kysely, Transaction } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { nowIso } from '../core/clock.ts';
import { RiposteError, invalidField } from '../core/riposte-error.ts';
import { ROLES, type Role } from '../core/role.ts';
import type { ApprovalCommandSpec, EngineEvent, TaskCommandSpec } from '../engine/engine-types.ts';
import type { DatabaseSchema, TaskTable } from '../store/schema.ts';
import { isBigCase, runIdsOfCase } from '../cases/case-runs.ts';
import { checkAnswer } from './task-answer.ts';
import type { RunEngine } from './run-engine.ts';
import type { LivePublisher } from '../live/live-event.ts';
import { publishTasks } from '../live/task-events.ts';

export type TaskStatus = 'open' | 'completed' | 'expired' | 'cancelled';

export interface TaskDecision {
  by: string;
  decision: 'answer' | 'approve' | 'deny';
  reason: string | null;
  at: string;
}

export interface TaskSummary {
  id: string;
  kind: 'task' | 'approval';
  status: TaskStatus;
  title: string;
  description: string | null;
  runId: string;
  stepKey: string;
  playbookId: string;
  alertId: string | null;
  caseId: string | null;
  assignee: { role?: string; user?: string };
  spec: TaskCommandSpec | ApprovalCommandSpec;
  decisions: TaskDecision[];
  outcome: string | null;
  output: unknown;
  escalated: boolean;
  createdAt: string;
  expiresAt: string | null;
  completedAt: string | null;
}

/** Who decides: a signed-in user, a service account, or the approver a signed link was made for. */
export interface Decider {
  name: string;
  role: Role;
  actor: Actor;
}

export interface TaskFilter {
  status?: string;
  kind?: string;
  runId?: string;
  /** Only tasks of the case's runs (started on it or on one of its alerts). */
  caseId?: string;
  /** Only tasks this person may act on. */
  mine?: Decider;
  /** Only tasks older than this id (the list's cursor). */
  before?: string;
  limit?: number;
}

export function toTaskSummary(row: TaskTable): TaskSummary {
  return {
    id: row.id,
    kind: row.kind as TaskSummary['kind'],
    status: row.status as TaskStatus,
    title: row.title,
    description: row.description,
    runId: row.run_id,
    stepKey: row.step_key,
    playbookId: row.playbook_id,
    alertId: row.alert_id,
    caseId: row.case_id,
    assignee: {
      ...(row.assignee_role === null ? {} : { role: row.assignee_role }),
      ...(row.assignee_user === null ? {} : { user: row.assignee_user }),
    },
    spec: JSON.parse(row.spec) as TaskSummary['spec'],
    decisions: JSON.parse(row.decisions) as TaskDecision[],
    outcome: row.outcome,
    output: row.output === null ? null : (JSON.parse(row.output) as unknown),
    escalated: row.escalated === 1,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    completedAt: row.completed_at,
  };
}

/** A role covers itself and every less privileged role: a manager may answer an analyst's task. */
function covers(role: Role, required: string): boolean {
  const need = ROLES.indexOf(required as Role);
  return need >= 0 && ROLES.indexOf(role) <= need;
}

export function mayAct(decider: Decider, row: Pick<TaskTable, 'assignee_role' | 'assignee_user'>): boolean {
  if (decider.role === 'admin') return true;
  if (row.assignee_user !== null) return decider.name === row.assignee_user;
  return row.assignee_role !== null && covers(decider.role, row.assignee_role);
}

/**
 * Manual tasks and approvals: listing, answering and deciding. A decision is written in the same
 * transaction as the run transition it causes, so a granted approval and the run moving on commit
 * together. Approval policies — required role, quorum, separation of duties — are enforced here.
 */
export class TaskService {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #audit: AuditLog;
  readonly #engine: RunEngine;
  readonly #live: LivePublisher | undefined;

  constructor(db: Kysely<DatabaseSchema>, audit: AuditLog, engine: RunEngine, live?: LivePublisher) {
    this.#db = db;
    this.#audit = audit;
    this.#engine = engine;
    this.#live = live;
  }

  async list(filter: TaskFilter): Promise<TaskSummary[]> {
    let query = this.#db.selectFrom('tasks').selectAll();
    if (filter.status) {
      if (!['open', 'completed', 'expired', 'cancelled'].includes(filter.status))
        throw invalidField('/status', 'status must be one of: open, completed, expired, cancelled');
      query = query.where('status', '=', filter.status);
    }
    if (filter.kind) {
      if (filter.kind !== 'task' && filter.kind !== 'approval')
        throw invalidField('/kind', 'kind must be task or approval');
      query = query.where('kind', '=', filter.kind);
    }
    if (filter.runId) query = query.where('run_id', '=', filter.runId);
    const caseId = filter.caseId;
    if (caseId)
      query = (await isBigCase(this.#db, caseId))
        ? query.where((eb) =>
            eb.exists(
              eb
                .selectFrom('runs')
                .select('runs.id')
                .whereRef('runs.id', '=', 'tasks.run_id')
                .where('runs.case_id', '=', caseId),
            ),
          )
        : query.where('run_id', 'in', runIdsOfCase(this.#db, caseId));
    if (filter.before) query = query.where('id', '<', filter.before);
    const mine = filter.mine;
    if (mine && mine.role !== 'admin') {
      const roles = ROLES.slice(ROLES.indexOf(mine.role));
      query = query.where((eb) =>
        eb.or([
          eb('assignee_user', '=', mine.name),
          eb.and([eb('assignee_user', 'is', null), eb('assignee_role', 'in', roles)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('id', 'desc')
      .limit(filter.limit ?? 200)
      .execute();
    return rows.map(toTaskSummary);
  }

  async get(id: string): Promise<TaskSummary> {
    return toTaskSummary(await this.#row(this.#db, id));
  }

  /** Answers a manual task: a choice, or the form's values. The answer becomes the step's output. */
  async answer(id: string, body: unknown, decider: Decider): Promise<TaskSummary> {
    const row = await this.#row(this.#db, id);
    if (row.kind !== 'task')
      throw new RiposteError('invalid_state', `${id} is an approval: decide it instead`);
    const spec = JSON.parse(row.spec) as TaskCommandSpec;
    const { output, reason } = checkAnswer(spec, body);
    await this.#decide(row, decider, async (trx, current, decisions) => {
      decisions.push({ by: decider.name, decision: 'answer', reason, at: nowIso() });
      await this.#complete(trx, current, 'completed', 'answered', output, decisions, decider, reason);
      return {
        type: 'task_completed',
        stepKey: current.step_key,
        outcome: 'answered',
        output,
        by: [decider.name],
      };
    });
    return this.get(id);
  }

  /** Approves or denies. One eligible denial denies; the quorum of distinct eligible approvals grants. */
  async decideApproval(id: string, body: unknown, decider: Decider): Promise<TaskSummary> {
    const { decision, reason } = parseDecision(body);
    const row = await this.#row(this.#db, id);
    if (row.kind !== 'approval')
      throw new RiposteError('invalid_state', `${id} is a task: answer it instead`);
    await this.#decide(row, decider, async (trx, current, decisions) => {
      const spec = JSON.parse(current.spec) as ApprovalCommandSpec;
      if (spec.separationOfDuties && decider.name === current.run_started_by)
        throw new RiposteError(
          'forbidden',
          'separation of duties: whoever started the run cannot approve it',
        );
      if (decisions.some((d) => d.by === decider.name))
        throw new RiposteError('invalid_state', `${decider.name} has already decided on this approval`);
      decisions.push({ by: decider.name, decision, reason, at: nowIso() });
      const approvers = decisions.filter((d) => d.decision === 'approve').map((d) => d.by);
      if (decision === 'deny') {
        const output = { approved: false, by: [decider.name], reason };
        await this.#complete(trx, current, 'completed', 'denied', output, decisions, decider, reason);
        return {
          type: 'task_completed',
          stepKey: current.step_key,
          outcome: 'denied',
          output,
          by: [decider.name],
        };
      }
      if (approvers.length >= spec.quorum) {
        const output = { approved: true, by: approvers };
        await this.#complete(trx, current, 'completed', 'approved', output, decisions, decider, reason);
        return {
          type: 'task_completed',
          stepKey: current.step_key,
          outcome: 'approved',
          output,
          by: approvers,
        };
      }
      await trx
        .updateTable('tasks')
        .set({ decisions: JSON.stringify(decisions) })
        .where('id', '=', current.id)
        .execute();
      await this.#audit.append(trx, [
        auditEntry(decider, current, 'approve', reason, { pending: spec.quorum - approvers.length }),
      ]);
      return null;
    });
    return this.get(id);
  }

  /**
   * Marks an open task expired and tells its run (the engine applies the step's on-expiry rule); false
   * when it was no longer open (decided, or expired by another worker).
   */
  async expire(row: TaskTable): Promise<boolean> {
    const system: Decider = { name: 'system', role: 'admin', actor: { id: 'system', type: 'system' } };
    try {
      await this.#decide(row, system, async (trx, current, decisions) => {
        await this.#complete(trx, current, 'expired', 'expired', null, decisions, system, 'expired');
        return {
          type: 'task_completed',
          stepKey: current.step_key,
          outcome: 'expired',
          output: null,
          by: [],
        };
      });
      return true;
    } catch (error) {
      if (error instanceof RiposteError && error.code === 'invalid_state') return false;
      throw error;
    }
  }

  async #decide(
    row: TaskTable,
    decider: Decider,
    decide: (
      trx: Transaction<DatabaseSchema>,
      current: TaskTable,
      decisions: TaskDecision[],
    ) => Promise<EngineEvent | null>,
  ): Promise<void> {
    if (!mayAct(decider, row))
      throw new RiposteError(
        'forbidden',
        `this ${row.kind} is for ${row.assignee_user ?? `the ${row.assignee_role} role`}`,
      );
    const applied = await this.#engine.submit({
      runId: row.run_id,
      prepare: async (trx) => {
        const current = await this.#row(trx, row.id, true);
        if (current.status !== 'open')
          throw new RiposteError('invalid_state', `${row.id} is already ${current.status}`);
        return decide(trx, current, JSON.parse(current.decisions) as TaskDecision[]);
      },
    });
    if (!applied) {
      // The run ignored it (no longer waiting on this step): make sure the task does not stay open.
      const current = await this.#row(this.#db, row.id);
      // Still open only if no decision completed it meanwhile (in another process, say): the
      // condition is checked again as the row is written.
      if (current.status === 'open' && (await this.#runFinished(row.run_id)))
        await this.#db
          .updateTable('tasks')
          .set({ status: 'cancelled', outcome: 'run_finished' })
          .where('id', '=', row.id)
          .where('status', '=', 'open')
          .execute();
    }
    // Answered, decided (a partial approval too) or expired: committed by now.
    if (this.#live) await publishTasks(this.#db, this.#live, [row.id]);
  }

  async #complete(
    trx: Transaction<DatabaseSchema>,
    row: TaskTable,
    status: TaskStatus,
    outcome: string,
    output: unknown,
    decisions: TaskDecision[],
    decider: Decider,
    reason: string | null,
  ): Promise<void> {
    const now = nowIso();
    await trx
      .updateTable('tasks')
      .set({
        status,
        outcome,
        output: JSON.stringify(output),
        decisions: JSON.stringify(decisions),
        completed_at: now,
      })
      .where('id', '=', row.id)
      .execute();
    await this.#audit.append(trx, [auditEntry(decider, row, outcome, reason, {})], now);
  }

  async #runFinished(runId: string): Promise<boolean> {
    const run = await this.#db.selectFrom('runs').select('status').where('id', '=', runId).executeTakeFirst();
    return !run || ['succeeded', 'failed', 'cancelled'].includes(run.status);
  }

  /**
   * The task's row. `forDecision` inside a decision's transaction: the row is held to the commit, so
   * two decisions of one task take turns and each sees the other's (a partial approval writes only
   * the task, which no sequence check guards).
   */
  async #row(
    db: Kysely<DatabaseSchema> | Transaction<DatabaseSchema>,
    id: string,
    forDecision = false,
  ): Promise<TaskTable> {
    const query = db.selectFrom('tasks').selectAll().where('id', '=', id);
    const row = await (forDecision ? query.forUpdate() : query).executeTakeFirst();
    if (!row) throw new RiposteError('not_found', `no task or approval with id "${id}"`);
    return row;
  }
}

function auditEntry(
  decider: Decider,
  row: TaskTable,
  what: string,
  reason: string | null,
  details: Record<string, unknown>,
) {
  return {
    actor: decider.actor,
    action: `${row.kind}.${what}`,
    targetType: row.kind,
    targetId: row.id,
    details: { runId: row.run_id, stepKey: row.step_key, by: decider.name, reason, ...details },
  };
}

function parseDecision(body: unknown): { decision: 'approve' | 'deny'; reason: string | null } {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new RiposteError('validation_failed', 'the body must be a JSON object', { path: '/' });
  const { decision, reason } = body as { decision?: unknown; reason?: unknown };
  if (decision !== 'approve' && decision !== 'deny')
    throw invalidField('/decision', 'decision must be "approve" or "deny"');
  if (reason !== undefined && reason !== null && (typeof reason !== 'string' || reason.length > 2000))
    throw invalidField('/reason', 'reason must be a string of at most 2000 characters');
  if (decision === 'deny' && (typeof reason !== 'string' || reason.trim() === ''))
    throw invalidField('/reason', 'a denial needs a reason');
  return { decision, reason: typeof reason === 'string' ? reason : null };
}
