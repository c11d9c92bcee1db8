import type { Kysely, Transaction } from 'kysely';
import type { Actor, AuditEntry, AuditLog } from '../audit/audit-log.ts';
import { SEVERITIES, SEVERITY_ID, type Observable, type Severity } from '../core/alert.ts';
import { nowIso } from '../core/clock.ts';
import { RiposteError, invalidField } from '../core/riposte-error.ts';
import type { LivePublisher } from '../live/live-event.ts';
import type { Dialect } from '../store/database.ts';
import type { AlertTable, DatabaseSchema } from '../store/schema.ts';
import type { TransactionHook } from '../store/transaction-hook.ts';
import type { CaseChange } from './case-change.ts';
import { refreshPriority } from './case-derived-state.ts';
import { lockGrouping, placeAlerts } from './case-grouper.ts';
import { carryRuns } from './case-runs.ts';

export const BULK_ACTIONS = ['attach', 'open_case', 'set_severity'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

export interface BulkRequest {
  action?: unknown;
  ids?: unknown;
  caseId?: unknown;
  title?: unknown;
  severity?: unknown;
}

/** What happened to each alert: changed, already so, or not found. */
export interface BulkItem {
  id: string;
  outcome: 'done' | 'unchanged' | 'not_found';
}

export interface BulkResult {
  action: BulkAction;
  /** The case the alerts are in now (attach, open_case). */
  caseId?: string;
  done: number;
  results: BulkItem[];
}

const MAX_IDS = 500;
const CHUNK = 400;

function parseIds(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_IDS)
    throw invalidField('/ids', `ids must be a list of 1 to ${MAX_IDS} alert ids`);
  for (const [i, id] of value.entries())
    if (typeof id !== 'string' || id.length > 200) throw invalidField(`/ids/${i}`, 'an alert id is a string');
  return [...new Set(value as string[])];
}

/**
 * Changes to many alerts at once, from the alert queue: put them into a case (an existing open one,
 * or a new one), or set their severity. One transaction per request; each alert gets its outcome and
 * an audit row, and each case touched its own.
 */
export class AlertTriage {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #dialect: Dialect;
  readonly #audit: AuditLog;
  readonly #caseHook: TransactionHook<CaseChange> | undefined;
  readonly #live: LivePublisher | undefined;

  constructor(options: {
    db: Kysely<DatabaseSchema>;
    dialect: Dialect;
    audit: AuditLog;
    caseHook?: TransactionHook<CaseChange>;
    live?: LivePublisher;
  }) {
    this.#db = options.db;
    this.#dialect = options.dialect;
    this.#audit = options.audit;
    this.#caseHook = options.caseHook;
    this.#live = options.live;
  }

  async bulk(request: BulkRequest, actor: Actor): Promise<BulkResult> {
    if (request === null || typeof request !== 'object' || Array.isArray(request))
      throw new RiposteError('validation_failed', 'the body must be a JSON object', { path: '/' });
    const action = request.action;
    if (typeof action !== 'string' || !(BULK_ACTIONS as readonly string[]).includes(action))
      throw invalidField('/action', `action must be one of: ${BULK_ACTIONS.join(', ')}`);
    const ids = parseIds(request.ids);
    if (action === 'set_severity') {
      const severity = request.severity;
      if (typeof severity !== 'string' || !(SEVERITIES as readonly string[]).includes(severity))
        throw invalidField('/severity', `severity must be one of: ${SEVERITIES.join(', ')}`);
      return this.#setSeverity(ids, severity as Severity, actor);
    }
    if (action === 'attach') {
      if (typeof request.caseId !== 'string' || request.caseId === '')
        throw invalidField('/caseId', 'attach needs the id of an open case');
      return this.#place('attach', ids, request.caseId, actor);
    }
    if (request.title !== undefined && request.title !== null) {
      if (typeof request.title !== 'string' || request.title.trim() === '' || request.title.length > 300)
        throw invalidField('/title', 'title must be a non-empty string of at most 300 characters');
    }
    return this.#place(
      'open_case',
      ids,
      typeof request.title === 'string' ? request.title.trim() : null,
      actor,
    );
  }

  async #place(
    action: 'attach' | 'open_case',
    ids: string[],
    target: string | null,
    actor: Actor,
  ): Promise<BulkResult> {
    const hooked = action === 'open_case' && this.#caseHook ? await this.#caseHook.prepare() : undefined;
    const result = await this.#db.transaction().execute(async (trx) => {
      await lockGrouping(trx, this.#dialect);
      const rows = await this.#alerts(trx, ids);
      const into =
        action === 'attach'
          ? await trx.selectFrom('cases').selectAll().where('id', '=', target!).executeTakeFirst()
          : { title: target };
      if (!into) throw new RiposteError('not_found', `no case with id "${target}"`);
      if ('status' in into && into.status !== 'open')
        throw new RiposteError('invalid_state', `case ${into.id} is closed: reopen it before adding alerts`);
      const moving = rows.filter((r) => !('id' in into) || r.case_id !== into.id);
      const results = ids.map((id): BulkItem => {
        const row = rows.find((r) => r.id === id);
        return { id, outcome: !row ? 'not_found' : moving.includes(row) ? 'done' : 'unchanged' };
      });
      if (moving.length === 0)
        return { caseId: 'id' in into ? into.id : null, results, created: false, touched: [] as string[] };
      const leaving = new Map<string, number>();
      for (const row of moving)
        if (row.case_id) leaving.set(row.case_id, (leaving.get(row.case_id) ?? 0) + 1);
      const from = new Map(moving.map((r) => [r.id, r.case_id]));
      const now = nowIso();
      const placed = await placeAlerts(
        trx,
        this.#dialect,
        moving.map((row) => ({ row, observables: JSON.parse(row.observables) as Observable[] })),
        into,
        now,
      );
      for (let i = 0; i < moving.length; i += CHUNK)
        await trx
          .updateTable('alerts')
          // An alert of a closed case that joins an open one is being worked on again.
          .set((eb) => ({
            case_id: placed.caseId,
            status: eb.case().when('status', '=', 'closed').then('triaged').else(eb.ref('status')).end(),
          }))
          .where(
            'id',
            'in',
            moving.slice(i, i + CHUNK).map((r) => r.id),
          )
          .execute();
      await carryRuns(
        trx,
        moving.map((r) => r.id),
        placed.caseId,
        [...leaving.keys()],
      );
      for (const [caseId, count] of leaving)
        await trx
          .updateTable('cases')
          .set((eb) => ({ alert_count: eb('alert_count', '-', count), updated_at: now }))
          .where('id', '=', caseId)
          .execute();
      if (leaving.size > 0) await refreshPriority(trx, [...leaving.keys()]);
      const movedIds = moving.map((r) => r.id);
      const entries: AuditEntry[] = moving.map((row) => ({
        actor,
        action: 'alert.move',
        targetType: 'alert',
        targetId: row.id,
        details: { from: from.get(row.id) ?? null, to: placed.caseId },
      }));
      entries.push({
        actor,
        action: placed.created ? 'case.create' : 'case.add_alerts',
        targetType: 'case',
        targetId: placed.caseId,
        details: { alertIds: movedIds.slice(0, 100), count: movedIds.length },
      });
      for (const [caseId, count] of leaving)
        entries.push({
          actor,
          action: 'case.remove_alerts',
          targetType: 'case',
          targetId: caseId,
          details: { to: placed.caseId, count },
        });
      await this.#audit.append(trx, entries, now);
      if (hooked && placed.created) await hooked.write(trx, [{ caseId: placed.caseId, event: 'created' }]);
      return {
        caseId: placed.caseId,
        results,
        created: placed.created,
        touched: [placed.caseId, ...leaving.keys()],
      };
    });
    if (result.created) hooked?.committed();
    for (const id of result.touched) this.#live?.publish({ type: 'case.changed', id });
    return {
      action,
      ...(result.caseId ? { caseId: result.caseId } : {}),
      done: result.results.filter((r) => r.outcome === 'done').length,
      results: result.results,
    };
  }

  async #setSeverity(ids: string[], severity: Severity, actor: Actor): Promise<BulkResult> {
    const result = await this.#db.transaction().execute(async (trx) => {
      const rows = await this.#alerts(trx, ids);
      const changing = rows.filter((r) => r.severity !== severity);
      const results = ids.map((id): BulkItem => {
        const row = rows.find((r) => r.id === id);
        return { id, outcome: !row ? 'not_found' : changing.includes(row) ? 'done' : 'unchanged' };
      });
      if (changing.length === 0) return { results, raised: [] as string[] };
      const now = nowIso();
      for (let i = 0; i < changing.length; i += CHUNK)
        await trx
          .updateTable('alerts')
          .set({ severity, severity_id: SEVERITY_ID[severity] })
          .where(
            'id',
            'in',
            changing.slice(i, i + CHUNK).map((r) => r.id),
          )
          .execute();
      // A case is as severe as its most severe alert: raised with them, never lowered (people set it too).
      const cases = [...new Set(changing.map((r) => r.case_id).filter((id): id is string => id !== null))];
      const raised: string[] = [];
      for (let i = 0; i < cases.length; i += CHUNK) {
        const part = cases.slice(i, i + CHUNK);
        // One conditional UPDATE: a case someone raised above this meanwhile is left alone (PostgreSQL
        // checks the condition again on the row as it is once a concurrent update has committed).
        const lower = await trx
          .updateTable('cases')
          .set({ severity, severity_id: SEVERITY_ID[severity], updated_at: now })
          .where('id', 'in', part)
          .where('severity_id', '<', SEVERITY_ID[severity])
          .returning('id')
          .execute();
        raised.push(...lower.map((c) => c.id));
      }
      if (raised.length > 0) await refreshPriority(trx, raised);
      await this.#audit.append(
        trx,
        changing.map((row) => ({
          actor,
          action: 'alert.severity',
          targetType: 'alert',
          targetId: row.id,
          details: { from: row.severity, to: severity, caseId: row.case_id },
        })),
        now,
      );
      return { results, raised };
    });
    for (const id of result.raised) this.#live?.publish({ type: 'case.changed', id });
    return {
      action: 'set_severity',
      done: result.results.filter((r) => r.outcome === 'done').length,
      results: result.results,
    };
  }

  async #alerts(trx: Transaction<DatabaseSchema>, ids: string[]): Promise<AlertTable[]> {
    const rows: AlertTable[] = [];
    for (let i = 0; i < ids.length; i += CHUNK)
      rows.push(
        ...(await trx
          .selectFrom('alerts')
          .selectAll()
          .where('id', 'in', ids.slice(i, i + CHUNK))
          .orderBy('id')
          .execute()),
      );
    return rows;
  }
}
