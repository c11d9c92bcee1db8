import { Value } from '@sinclair/typebox/value';
import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import type { ActionCatalog, ActionDefinition } from '../core/action.ts';
import { nowDate } from '../core/clock.ts';
import type { LivePublisher } from '../live/live-event.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import type { ResponseGate } from './response-gate.ts';
import type { LedgerEntry, ResponseStore } from './response-store.ts';
import { ofCase, toLedgerEntry, undoable } from './response-store.ts';

export interface UndoResult {
  id: string;
  action: string;
  target: { type: string; value: string } | null;
  inverse: string | null;
  /** undone: the inverse ran; already: nothing to undo; refused / waiting: a guardrail stopped it; failed. */
  outcome: 'undone' | 'already' | 'refused' | 'waiting' | 'failed';
  detail: string | null;
}

/** The job fields the ledger needs (src/queue/work-queue.ts ActionJob). */
interface AppliedJob {
  runId: string;
  stepKey: string;
  idempotencyKey: string;
  action: string;
  effect: string;
  /** The step's RE&CT id (its `react:`, else its action's). */
  react?: string;
}

const UNDO_TIMEOUT_MS = 60_000;

/** A claim to undo an entry older than this was left by a process that stopped mid-undo: taken over. */
function staleClaim(now = nowDate()): string {
  return new Date(now.getTime() - 2 * UNDO_TIMEOUT_MS).toISOString();
}

/**
 * What was done and how to undo it: records every applied side effect with its target, result and
 * inverse; rolls a case's containment back in reverse order, each step gated like any other action;
 * and undoes actions whose time to live has passed.
 */
export class ResponseService {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #store: ResponseStore;
  readonly #gate: ResponseGate;
  readonly #catalog: ActionCatalog;
  readonly #audit: AuditLog;
  readonly #live: LivePublisher | undefined;

  constructor(
    db: Kysely<DatabaseSchema>,
    store: ResponseStore,
    gate: ResponseGate,
    catalog: ActionCatalog,
    audit: AuditLog,
    live?: LivePublisher,
  ) {
    this.#db = db;
    this.#store = store;
    this.#gate = gate;
    this.#catalog = catalog;
    this.#audit = audit;
    this.#live = live;
  }

  /** The executor's hooks: the gate, and the ledger record of each application. */
  hooks() {
    return {
      gate: this.#gate,
      record: (
        job: AppliedJob,
        action: ActionDefinition,
        input: Record<string, unknown>,
        output: unknown,
        status: 'applied' | 'noop',
        ttlMs: number | null,
      ) => this.#record(job, action, input, output, status, ttlMs),
      release: (idempotencyKey: string) => this.#store.release(idempotencyKey),
    };
  }

  async #record(
    job: AppliedJob,
    action: ActionDefinition,
    input: Record<string, unknown>,
    output: unknown,
    status: 'applied' | 'noop',
    ttlMs: number | null,
  ): Promise<void> {
    const run = await this.#db
      .selectFrom('runs')
      .select(['playbook_id', 'case_id', 'alert_id'])
      .where('id', '=', job.runId)
      .executeTakeFirst();
    // A run an alert triggers may act before grouping gives the alert its case: the ledger keeps the
    // alert, and a case's entries are found through its alerts too (ofCase).
    const caseId = run?.case_id ?? null;
    const target = action.target?.(input) ?? null;
    // What the step says it does: `edl.add_entry` blocks an address (RA3101) or a domain (RA3103).
    const react = job.react ?? action.react ?? null;
    const now = nowDate();
    await this.#store.record(
      {
        idempotency_key: job.idempotencyKey,
        run_id: job.runId,
        step_key: job.stepKey,
        playbook_id: run?.playbook_id ?? 'unknown',
        case_id: caseId,
        alert_id: run?.alert_id ?? null,
        action: action.id,
        effect: action.effect,
        react,
        target_type: target?.type ?? null,
        target_value: target?.value ?? null,
        input: JSON.stringify(input),
        output: JSON.stringify(output ?? null),
        inverse_action: action.inverse ?? null,
        inverse_input: action.inverse ? JSON.stringify(action.inverseInput?.(input, output) ?? input) : null,
        status,
        applied_at: now.toISOString(),
        expires_at:
          ttlMs === null || status === 'noop' ? null : new Date(now.getTime() + ttlMs).toISOString(),
      },
      // Its audit row commits with it.
      status === 'applied'
        ? [
            {
              actor: { id: `run:${job.runId}`, type: 'system' },
              action: 'response.applied',
              targetType: target?.type ?? 'action',
              targetId: target?.value ?? action.id,
              details: {
                action: action.id,
                runId: job.runId,
                stepKey: job.stepKey,
                caseId,
                react,
              },
            },
          ]
        : [],
    );
    if (status === 'applied')
      this.#live?.publish({
        type: 'response.changed',
        caseId,
        alertId: run?.alert_id ?? null,
        runId: job.runId,
      });
  }

  ledger(filter: { caseId?: string; runId?: string }): Promise<LedgerEntry[]> {
    return this.#store.entries(filter);
  }

  /** Undoes a case's containment, newest first; each undo passes the guardrails as an action of its own. */
  async rollbackCase(caseId: string, actor: Actor): Promise<UndoResult[]> {
    const rows = await this.#db
      .selectFrom('action_ledger')
      .selectAll()
      .where(ofCase(caseId))
      .where(undoable(['applied', 'undo_failed'], staleClaim()))
      .where('inverse_action', 'is not', null)
      .orderBy('applied_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    const results: UndoResult[] = [];
    for (const row of rows) results.push(await this.undo(toLedgerEntry(row), 'rolled_back', actor));
    await this.#audit.write(this.#db, [
      {
        actor,
        action: 'case.rollback',
        targetType: 'case',
        targetId: caseId,
        details: { results: results.map((r) => ({ id: r.id, outcome: r.outcome })) },
      },
    ]);
    return results;
  }

  /** Undoes every application whose time to live has passed. */
  async expireDue(now = nowDate()): Promise<UndoResult[]> {
    const rows = await this.#db
      .selectFrom('action_ledger')
      .selectAll()
      .where(undoable(['applied'], staleClaim(now)))
      .where('expires_at', '<=', now.toISOString())
      .orderBy('expires_at')
      .limit(200)
      .execute();
    const system: Actor = { id: 'system:expiry', type: 'system' };
    const results: UndoResult[] = [];
    for (const row of rows) results.push(await this.undo(toLedgerEntry(row), 'expired', system));
    return results;
  }

  async undo(entry: LedgerEntry, as: 'rolled_back' | 'expired', actor: Actor): Promise<UndoResult> {
    const result = await this.#undo(entry, as, actor);
    // Refused and waiting leave the ledger as it was; every other outcome changed the entry.
    if (result.outcome !== 'refused' && result.outcome !== 'waiting')
      this.#live?.publish({
        type: 'response.changed',
        caseId: entry.caseId,
        alertId: entry.alertId,
        runId: entry.runId,
      });
    return result;
  }

  async #undo(entry: LedgerEntry, as: 'rolled_back' | 'expired', actor: Actor): Promise<UndoResult> {
    const base = {
      id: entry.id,
      action: entry.action,
      target: entry.target,
      inverse: entry.inverse?.action ?? null,
    };
    // One undo per entry at a time, whoever asks: the others find it claimed (or done) and leave it.
    if (!(await this.#store.claimUndo(entry.id, staleClaim())))
      return { ...base, outcome: 'already', detail: 'undone, or being undone, by another request' };
    const inverse = entry.inverse ? this.#catalog.get(entry.inverse.action) : undefined;
    if (!entry.inverse || !inverse) {
      await this.#store.markUndone(
        entry.id,
        'undo_failed',
        actor.id,
        `no inverse action ${entry.inverse?.action ?? ''} is installed`,
      );
      return {
        ...base,
        outcome: 'failed',
        detail: `no inverse action ${entry.inverse?.action ?? 'declared'}`,
      };
    }
    if (!Value.Check(inverse.input, entry.inverse.input)) {
      const first = [...Value.Errors(inverse.input, entry.inverse.input)][0];
      const detail = `the inverse input does not fit ${inverse.id} at ${first?.path ?? '/'}: ${first?.message ?? ''}`;
      await this.#store.markUndone(entry.id, 'undo_failed', actor.id, detail);
      return { ...base, outcome: 'failed', detail };
    }
    const request = {
      runId: entry.runId,
      stepKey: `${entry.stepKey}:undo`,
      idempotencyKey: `${entry.id}:undo`,
      input: entry.inverse.input,
    };
    const decision = await this.#gate.check(request, inverse);
    if (!decision.proceed) {
      await this.#store.unclaimUndo(entry);
      return 'refuse' in decision
        ? { ...base, outcome: 'refused', detail: decision.refuse.message }
        : { ...base, outcome: 'waiting', detail: decision.wait };
    }
    const signal = AbortSignal.timeout(UNDO_TIMEOUT_MS);
    const context = {
      idempotencyKey: request.idempotencyKey,
      attempt: 1,
      runId: entry.runId,
      stepKey: request.stepKey,
      signal,
    };
    try {
      if (inverse.alreadyApplied && (await inverse.alreadyApplied(entry.inverse.input, context))) {
        await this.#store.markUndone(entry.id, as, actor.id, null);
        return { ...base, outcome: 'already', detail: 'the target was already back in its earlier state' };
      }
      await inverse.run(entry.inverse.input, context);
      await this.#store.markUndone(entry.id, as, actor.id, null);
      await this.#audit.write(this.#db, [
        {
          actor,
          action: as === 'expired' ? 'response.expired' : 'response.rolled_back',
          targetType: entry.target?.type ?? 'action',
          targetId: entry.target?.value ?? entry.action,
          details: { ledgerId: entry.id, action: entry.action, inverse: inverse.id, runId: entry.runId },
        },
      ]);
      return { ...base, outcome: 'undone', detail: null };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      await this.#store.markUndone(entry.id, 'undo_failed', actor.id, detail);
      return { ...base, outcome: 'failed', detail };
    } finally {
      // An undo is not an application the limits count: the place the gate gave it is given up.
      await this.#store.release(request.idempotencyKey);
    }
  }
}
