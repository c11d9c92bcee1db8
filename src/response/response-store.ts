import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import type { Actor, AuditEntry, AuditLog } from '../audit/audit-log.ts';
import { nowDate, nowIso } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import { RiposteError } from '../core/riposte-error.ts';
import type { Dialect } from '../store/database.ts';
import type { ActionLedgerTable, DatabaseSchema } from '../store/schema.ts';
import { parseRule, type ResponseRule } from './response-rules.ts';
import { ADVISORY_LOCKS, takeTurn } from '../store/advisory-locks.ts';
import { GroupCommit } from '../store/group-commit.ts';

export interface KillSwitch {
  engaged: boolean;
  reason: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface LedgerEntry {
  id: string;
  runId: string;
  stepKey: string;
  playbookId: string;
  caseId: string | null;
  alertId: string | null;
  action: string;
  effect: string;
  react: string | null;
  target: { type: string; value: string } | null;
  input: unknown;
  output: unknown;
  inverse: { action: string; input: Record<string, unknown> } | null;
  status: string;
  appliedAt: string;
  expiresAt: string | null;
  undoneAt: string | null;
  undoneBy: string | null;
  undoError: string | null;
}

export function toLedgerEntry(row: ActionLedgerTable): LedgerEntry {
  return {
    id: row.id,
    runId: row.run_id,
    stepKey: row.step_key,
    playbookId: row.playbook_id,
    caseId: row.case_id,
    alertId: row.alert_id,
    action: row.action,
    effect: row.effect,
    react: row.react,
    target: row.target_type && row.target_value ? { type: row.target_type, value: row.target_value } : null,
    input: JSON.parse(row.input) as unknown,
    output: JSON.parse(row.output) as unknown,
    inverse:
      row.inverse_action && row.inverse_input
        ? { action: row.inverse_action, input: JSON.parse(row.inverse_input) as Record<string, unknown> }
        : null,
    status: row.status,
    appliedAt: row.applied_at,
    expiresAt: row.expires_at,
    undoneAt: row.undone_at,
    undoneBy: row.undone_by,
    undoError: row.undo_error,
  };
}

const KILL_SWITCH = 'kill_switch';
/** An admitted attempt that was neither recorded nor released in this long is given up. */
const RESERVATION_LIFETIME_MS = 24 * 3600 * 1000;

/** A side-effecting attempt at the gate: what the limits and cool-downs count. */
export interface Attempt {
  idempotencyKey: string;
  runId: string;
  playbookId: string;
  action: string;
  effect: string;
  target: { type: string; value: string } | null;
}

/** The applications the limits and cool-downs count, as one admission sees them. */
export interface Applications {
  /** Applications of matching actions since a moment, globally or for one playbook (blast-radius limits). */
  countSince(
    actions: { action?: string; effect?: string },
    since: string,
    playbookId?: string,
  ): Promise<number>;
  /** The last application of an action on a target (cool-downs). */
  lastOn(action: string, target: { type: string; value: string }): Promise<string | undefined>;
}

/**
 * Applications are the ledger's rows (no-ops aside) and the admitted attempts not yet recorded: an
 * attempt counts from its admission, so one admitted a moment ago is not invisible to the next. Each
 * answer is one statement over both tables, so one snapshot: with a statement per table, an attempt
 * recorded between the two (its reservation deleted, its ledger row added) would be in neither.
 */
function applicationsIn(db: Kysely<DatabaseSchema>): Applications {
  const both = () =>
    db.selectFrom(
      db
        .selectFrom('action_ledger')
        .select(['action', 'effect', 'playbook_id', 'target_type', 'target_value', 'applied_at as at'])
        .where('status', '!=', 'noop')
        .unionAll(
          db
            .selectFrom('action_reservations')
            .select(['action', 'effect', 'playbook_id', 'target_type', 'target_value', 'reserved_at as at']),
        )
        .as('a'),
    );
  return {
    async countSince(actions, since, playbookId) {
      let query = both()
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('at', '>=', since);
      if (actions.action?.endsWith('.*'))
        query = query.where('action', 'like', `${actions.action.slice(0, -1)}%`);
      else if (actions.action) query = query.where('action', '=', actions.action);
      if (actions.effect) query = query.where('effect', '=', actions.effect);
      if (playbookId) query = query.where('playbook_id', '=', playbookId);
      return Number((await query.executeTakeFirstOrThrow()).n);
    },
    async lastOn(action, target) {
      const row = await both()
        .select((eb) => eb.fn.max('at').as('at'))
        .where('action', '=', action)
        .where('target_type', '=', target.type)
        .where('target_value', '=', target.value)
        .executeTakeFirstOrThrow();
      return row.at ?? undefined;
    },
  };
}

/**
 * Entries an undo may take: in one of these statuses, or claimed by an undo that stopped (a process
 * that died mid-undo) before `staleBefore`.
 */
export function undoable(statuses: readonly string[], staleBefore: string) {
  return (eb: ExpressionBuilder<DatabaseSchema, 'action_ledger'>) =>
    eb.or([
      eb('status', 'in', statuses),
      eb.and([eb('status', '=', 'undoing'), eb('undone_at', '<', staleBefore)]),
    ]);
}

/**
 * Entries of a case: recorded with it, or taken for one of its alerts — a run an alert triggers may
 * act before grouping has given the alert its case.
 */
export function ofCase(caseId: string) {
  return (eb: ExpressionBuilder<DatabaseSchema, 'action_ledger'>) =>
    eb.or([
      eb('action_ledger.case_id', '=', caseId),
      eb(
        'action_ledger.alert_id',
        'in',
        eb.selectFrom('alerts').select('alerts.id').where('alerts.case_id', '=', caseId),
      ),
    ]);
}
const RULES_TTL_MS = 2_000;

/** A ledger row to write, with the audit rows that go with it. */
interface LedgerRecord {
  entry: Omit<ActionLedgerTable, 'id' | 'undone_at' | 'undone_by' | 'undo_error'>;
  audited: AuditEntry[];
}

/** Rules (policies, protected entities, limits, cool-downs), the kill switch, and the action ledger. */
export class ResponseStore {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #dialect: Dialect;
  readonly #audit: AuditLog;
  readonly #records = new GroupCommit<LedgerRecord, void>((records) => this.#writeRecords(records));
  #rules: { at: number; list: (ResponseRule & { id: string })[] } | undefined;

  constructor(db: Kysely<DatabaseSchema>, dialect: Dialect, audit: AuditLog) {
    this.#db = db;
    this.#dialect = dialect;
    this.#audit = audit;
  }

  get db(): Kysely<DatabaseSchema> {
    return this.#db;
  }

  /** Every rule, oldest first (the first matching policy decides); cached briefly across calls. */
  async rules(): Promise<(ResponseRule & { id: string })[]> {
    if (this.#rules && Date.now() - this.#rules.at < RULES_TTL_MS) return this.#rules.list;
    const rows = await this.#db
      .selectFrom('response_rules')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const list = rows.map((r) => ({ id: r.id, ...(JSON.parse(r.rule) as ResponseRule) }));
    this.#rules = { at: Date.now(), list };
    return list;
  }

  async addRule(body: unknown, actor: Actor): Promise<ResponseRule & { id: string }> {
    const rule = parseRule(body);
    const id = newId('rule_');
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .insertInto('response_rules')
        .values({
          id,
          kind: rule.kind,
          rule: JSON.stringify(rule),
          created_at: nowIso(),
          created_by: actor.id,
        })
        .execute();
      await this.#audit.append(trx, [
        { actor, action: 'response.rule.add', targetType: 'response_rule', targetId: id, details: { rule } },
      ]);
    });
    this.#rules = undefined;
    return { id, ...rule };
  }

  async removeRule(id: string, actor: Actor): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('response_rules').where('id', '=', id).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0)
        throw new RiposteError('not_found', `no response rule "${id}"`);
      await this.#audit.append(trx, [
        { actor, action: 'response.rule.remove', targetType: 'response_rule', targetId: id },
      ]);
    });
    this.#rules = undefined;
  }

  async killSwitch(): Promise<KillSwitch> {
    const row = await this.#db
      .selectFrom('settings')
      .selectAll()
      .where('key', '=', KILL_SWITCH)
      .executeTakeFirst();
    if (!row) return { engaged: false, reason: null, updatedAt: null, updatedBy: null };
    const value = JSON.parse(row.value) as { engaged: boolean; reason: string | null };
    return { ...value, updatedAt: row.updated_at, updatedBy: row.updated_by };
  }

  async setKillSwitch(engaged: boolean, reason: string | null, actor: Actor): Promise<KillSwitch> {
    const now = nowIso();
    const value = JSON.stringify({ engaged, reason });
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .insertInto('settings')
        .values({ key: KILL_SWITCH, value, updated_at: now, updated_by: actor.id })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now, updated_by: actor.id }))
        .execute();
      await this.#audit.append(trx, [
        {
          actor,
          action: engaged ? 'response.kill_switch.engage' : 'response.kill_switch.lift',
          details: { reason },
        },
      ]);
    });
    return { engaged, reason, updatedAt: now, updatedBy: actor.id };
  }

  /**
   * Records an applied (or no-op) side effect once per attempt: a repeat after a crash finds the row.
   * The attempt's place under the limits passes to its ledger row in the same transaction.
   */
  async record(entry: LedgerRecord['entry'], audited: AuditEntry[] = []): Promise<void> {
    await this.#records.submit({ entry, audited });
  }

  /**
   * The records of many attempts finished at once share one transaction (group commit): under load
   * every playbook's side effect would otherwise be a commit of its own. Each row with its audit row
   * and its reservation's release, as before; a row that fails alone is retried alone.
   */
  async #writeRecords(records: LedgerRecord[]): Promise<void[]> {
    await this.#db.transaction().execute(async (trx) => {
      const audited: AuditEntry[] = [];
      for (const { entry, audited: own } of records) {
        const inserted = await trx
          .insertInto('action_ledger')
          .values({ id: newId('act_'), ...entry, undone_at: null, undone_by: null, undo_error: null })
          .onConflict((oc) => oc.column('idempotency_key').doNothing())
          .executeTakeFirst();
        await trx
          .deleteFrom('action_reservations')
          .where('idempotency_key', '=', entry.idempotency_key)
          .execute();
        // In the same commit as the row, and only with a new row: a repeat is not audited twice.
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) {
          audited.push(...own);
          await markContained(trx, entry);
        }
      }
      await this.#audit.append(trx, audited);
    });
    return records.map(() => undefined);
  }

  async entries(filter: { caseId?: string; runId?: string }): Promise<LedgerEntry[]> {
    let query = this.#db.selectFrom('action_ledger').selectAll();
    if (filter.caseId) query = query.where(ofCase(filter.caseId));
    if (filter.runId) query = query.where('run_id', '=', filter.runId);
    return (await query.orderBy('applied_at').orderBy('id').limit(1000).execute()).map(toLedgerEntry);
  }

  /**
   * Admits a side-effecting attempt under the limits and cool-downs: `decide` reads the applications
   * they count (the ledger's, and the attempts admitted before and not recorded yet) and returns a
   * refusal, or undefined to admit. With `reserve`, deciding and reserving the attempt's place are one
   * turn of a transaction that one admission takes at a time (PostgreSQL: an advisory lock, for the
   * other processes; SQLite: its write lock), so attempts racing for the last place under a limit
   * cannot all take it. The place is held until the attempt is recorded in the ledger (`record`) or
   * given up (`release`). An attempt admitted before (the same attempt again after a restart) keeps
   * its place, also when its ledger row is already written.
   * Without `reserve` it is only a look: whether the attempt would be refused now.
   */
  async admit<T>(
    attempt: Attempt,
    decide: (applications: Applications) => Promise<T | undefined>,
    reserve: boolean,
  ): Promise<T | undefined> {
    if (!reserve) return decide(applicationsIn(this.#db));
    return this.#db.transaction().execute(async (trx) => {
      await takeTurn(trx, this.#dialect, ADVISORY_LOCKS.admission);
      const now = nowDate();
      // A place whose attempt never came back (its run was abandoned while the process was down).
      await trx
        .deleteFrom('action_reservations')
        .where('reserved_at', '<', new Date(now.getTime() - RESERVATION_LIFETIME_MS).toISOString())
        .execute();
      // Admitted before: its place is reserved, or its ledger row is written (the process stopped
      // before the run heard of it). Either way it is counted already, and must not refuse itself.
      const held = await trx
        .selectFrom('action_reservations')
        .select('idempotency_key')
        .where('idempotency_key', '=', attempt.idempotencyKey)
        .unionAll(
          trx
            .selectFrom('action_ledger')
            .select('idempotency_key')
            .where('idempotency_key', '=', attempt.idempotencyKey),
        )
        .executeTakeFirst();
      if (held) return undefined;
      const refusal = await decide(applicationsIn(trx));
      if (refusal !== undefined) return refusal;
      await trx
        .insertInto('action_reservations')
        .values({
          idempotency_key: attempt.idempotencyKey,
          run_id: attempt.runId,
          playbook_id: attempt.playbookId,
          action: attempt.action,
          effect: attempt.effect,
          target_type: attempt.target?.type ?? null,
          target_value: attempt.target?.value ?? null,
          reserved_at: now.toISOString(),
        })
        .execute();
      return undefined;
    });
  }

  /** Gives up an admitted attempt's place: it failed, or it was an undo (which the ledger does not count). */
  async release(idempotencyKey: string): Promise<void> {
    await this.#db.deleteFrom('action_reservations').where('idempotency_key', '=', idempotencyKey).execute();
  }

  /**
   * Claims an entry for undoing (status `undoing`), so that one undo runs however many ask at once (an
   * analyst's rollback, a second click, the expiry of every worker process): false when another has
   * it, or it is undone already. A claim left behind by a process that stopped mid-undo is taken
   * over once it is `staleBefore` old.
   */
  async claimUndo(id: string, staleBefore: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('action_ledger')
      .set({ status: 'undoing', undone_at: nowIso() })
      .where('id', '=', id)
      .where(undoable(['applied', 'undo_failed'], staleBefore))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Gives a claimed entry back as it was (a guardrail stopped the undo; it may be asked again). */
  async unclaimUndo(entry: Pick<LedgerEntry, 'id' | 'status' | 'undoneAt'>): Promise<void> {
    await this.#db
      .updateTable('action_ledger')
      .set({ status: entry.status, undone_at: entry.undoneAt })
      .where('id', '=', entry.id)
      .where('status', '=', 'undoing')
      .execute();
  }

  /** Settles a claimed entry: undone (rolled back or expired), or the undo failed. */
  async markUndone(
    id: string,
    status: 'rolled_back' | 'expired' | 'undo_failed',
    by: string,
    error: string | null,
  ): Promise<void> {
    await this.#db
      .updateTable('action_ledger')
      .set({ status, undone_at: nowIso(), undone_by: by, undo_error: error })
      .where('id', '=', id)
      .where('status', '=', 'undoing')
      .execute();
  }
}

/**
 * The first containment action (RE&CT stage 3: `RA3…`) applied for a case marks it contained (the
 * contain SLA clock and MTTC). A run started on an alert finds the case through the alert, when
 * grouping has given it one.
 */
async function markContained(trx: Transaction<DatabaseSchema>, entry: LedgerRecord['entry']): Promise<void> {
  if (entry.status !== 'applied' || !entry.react?.startsWith('RA3')) return;
  let caseId = entry.case_id;
  if (caseId === null && entry.alert_id !== null) {
    const alert = await trx
      .selectFrom('alerts')
      .select('case_id')
      .where('id', '=', entry.alert_id)
      .executeTakeFirst();
    caseId = alert?.case_id ?? null;
  }
  if (caseId === null) return;
  await trx
    .updateTable('cases')
    .set({ contained_at: entry.applied_at })
    .where('id', '=', caseId)
    .where('contained_at', 'is', null)
    .execute();
}
