import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { nowIso } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import { RiposteError, invalidField } from '../core/riposte-error.ts';
import { RUN_STATUSES, TERMINAL_RUN_STATUSES, type RunState } from '../engine/engine-types.ts';
import { decodeCursor, parseLimit, toPage, type Page } from '../store/cursor.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import type { PlaybookService } from './playbook-service.ts';
import { queuedRunRow } from './run-commands.ts';
import type { RunEngine } from './run-engine.ts';
import { toRunDetail, toRunSummary, type RunDetail, type RunSummary, type RunTrigger } from './run-record.ts';

export interface RunFilter {
  status?: string;
  playbookId?: string;
  alertId?: string;
  caseId?: string;
  /** The failure inbox: failed runs nobody has retried or cancelled. */
  inbox?: boolean;
  cursor?: string;
  limit?: unknown;
}

export interface StartRunRequest {
  playbookId: string;
  alertId?: string | null;
  caseId?: string | null;
  inputs?: unknown;
  dryRun?: boolean;
  trigger?: RunTrigger;
  startedBy: string;
  actor: Actor;
}

/** Runs as the API and CLI see them: start, list, read, cancel, retry, send an event. */
export class RunService {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #audit: AuditLog;
  readonly #engine: RunEngine;
  readonly #playbooks: PlaybookService;

  constructor(db: Kysely<DatabaseSchema>, audit: AuditLog, engine: RunEngine, playbooks: PlaybookService) {
    this.#db = db;
    this.#audit = audit;
    this.#engine = engine;
    this.#playbooks = playbooks;
  }

  /** Starts a run of the playbook's current version (pinned for the run's whole life). */
  async start(request: StartRunRequest): Promise<RunSummary> {
    const { plan, version } = await this.#playbooks.current(request.playbookId);
    const inputs = request.inputs ?? {};
    if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs))
      throw invalidField('/inputs', 'inputs must be an object');
    let caseId = request.caseId ?? null;
    if (request.alertId) {
      const alert = await this.#db
        .selectFrom('alerts')
        .select(['id', 'case_id'])
        .where('id', '=', request.alertId)
        .executeTakeFirst();
      if (!alert) throw invalidField('/alertId', `no alert with id "${request.alertId}"`);
      caseId ??= alert.case_id;
    }
    if (request.caseId) {
      const found = await this.#db
        .selectFrom('cases')
        .select('id')
        .where('id', '=', request.caseId)
        .executeTakeFirst();
      if (!found) throw invalidField('/caseId', `no case with id "${request.caseId}"`);
    }
    const id = newId('run_');
    const now = nowIso();
    const trigger = request.trigger ?? { kind: 'manual', by: request.startedBy };
    const row = queuedRunRow(
      {
        id,
        playbook_id: plan.id,
        alert_id: request.alertId ?? null,
        case_id: caseId,
        parent_run_id: null,
        parent_step_key: null,
        started_by: request.startedBy,
        dry_run: request.dryRun ? 1 : 0,
      },
      plan.id,
      trigger,
      { queued: true, inputs: inputs as Record<string, unknown> },
      now,
      version,
    );
    await this.#db.transaction().execute(async (trx) => {
      await trx.insertInto('runs').values(row).execute();
      await this.#audit.append(
        trx,
        [
          {
            actor: request.actor,
            action: 'run.start',
            targetType: 'run',
            targetId: id,
            details: { playbookId: plan.id, version, alertId: row.alert_id, dryRun: request.dryRun === true },
          },
        ],
        now,
      );
    });
    await this.#engine.start([id]);
    return this.summary(id);
  }

  async list(filter: RunFilter): Promise<Page<RunSummary>> {
    const limit = parseLimit(filter.limit);
    const cursor = decodeCursor(filter.cursor);
    let query = this.#db.selectFrom('runs').selectAll();
    if (filter.status) {
      if (!(RUN_STATUSES as readonly string[]).includes(filter.status))
        throw invalidField('/status', `status must be one of: ${RUN_STATUSES.join(', ')}`);
      query = query.where('status', '=', filter.status);
    }
    if (filter.inbox) query = query.where('status', '=', 'failed');
    if (filter.playbookId) query = query.where('playbook_id', '=', filter.playbookId);
    if (filter.alertId) query = query.where('alert_id', '=', filter.alertId);
    // A run's case_id is its case: the one it started on, or its alert's (src/cases/case-runs.ts).
    if (filter.caseId) query = query.where('case_id', '=', filter.caseId);
    if (cursor) query = query.where('id', '<', cursor);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const page = toPage(rows, limit);
    return { items: page.items.map((r) => toRunSummary(r)), nextCursor: page.nextCursor };
  }

  async summary(id: string): Promise<RunSummary> {
    const row = await this.#db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new RiposteError('not_found', `no run with id "${id}"`);
    return toRunSummary(row);
  }

  async get(id: string): Promise<RunDetail> {
    const row = await this.#db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new RiposteError('not_found', `no run with id "${id}"`);
    return toRunDetail(row);
  }

  async cancel(id: string, reason: unknown, actor: Actor, by: string): Promise<RunSummary> {
    const run = await this.summary(id);
    if (TERMINAL_RUN_STATUSES.includes(run.status))
      throw new RiposteError('invalid_state', `run ${id} is already ${run.status}`);
    const why = typeof reason === 'string' && reason.trim() !== '' ? reason.slice(0, 2000) : 'cancelled';
    await this.#audit.write(this.#db, [
      { actor, action: 'run.cancel', targetType: 'run', targetId: id, details: { reason: why } },
    ]);
    await this.#engine.deliver(id, { type: 'cancel', by, reason: why });
    return this.summary(id);
  }

  /** Retries a failed run from the step(s) that failed it; completed steps keep their outputs. */
  async retry(id: string, actor: Actor, by: string): Promise<RunSummary> {
    const run = await this.summary(id);
    if (run.status !== 'failed')
      throw new RiposteError('invalid_state', `only a failed run can be retried; ${id} is ${run.status}`);
    await this.#audit.write(this.#db, [{ actor, action: 'run.retry', targetType: 'run', targetId: id }]);
    await this.#engine.deliver(id, { type: 'retry', by });
    return this.summary(id);
  }

  /** Delivers a named event to a run waiting for it (`wait: { event: … }`). */
  async signal(id: string, body: unknown, actor: Actor): Promise<RunSummary> {
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      throw new RiposteError('validation_failed', 'the body must be a JSON object', { path: '/' });
    const { name, payload } = body as { name?: unknown; payload?: unknown };
    if (typeof name !== 'string' || !/^[a-z][a-z0-9_.-]{0,63}$/.test(name))
      throw invalidField('/name', 'name must be a lowercase event name');
    await this.summary(id);
    await this.#audit.write(this.#db, [
      { actor, action: 'run.event', targetType: 'run', targetId: id, details: { name } },
    ]);
    await this.#engine.deliver(id, { type: 'external_event', name, payload: payload ?? null });
    return this.summary(id);
  }

  /** Waits (polling the committed state) until the run is terminal, or waits on a person, or the time is up. */
  async settle(id: string, timeoutMs: number, { untilTerminal = false } = {}): Promise<RunDetail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await this.get(id);
      const settled =
        TERMINAL_RUN_STATUSES.includes(run.status) || (!untilTerminal && run.status === 'waiting');
      if (settled || Date.now() > deadline) return run;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The raw engine state (tests and the dry-run report read it). */
  async state(id: string): Promise<RunState> {
    const row = await this.#db.selectFrom('runs').select('state').where('id', '=', id).executeTakeFirst();
    if (!row) throw new RiposteError('not_found', `no run with id "${id}"`);
    return JSON.parse(row.state) as RunState;
  }
}
