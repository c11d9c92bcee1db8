import type { Kysely } from 'kysely';
import type { AuditLog } from '../audit/audit-log.ts';
import type { GroupingRule } from '../config.ts';
import type { Observable } from '../core/alert.ts';
import { nowIso } from '../core/clock.ts';
import type { Dialect } from '../store/database.ts';
import type { LivePublisher } from '../live/live-event.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import type { TransactionHook } from '../store/transaction-hook.ts';
import type { CaseChange } from './case-change.ts';
import {
  GROUPING_COLUMNS,
  groupAlerts,
  lockGrouping,
  openedCases,
  type GroupingRow,
} from './case-grouper.ts';
import { carryRuns } from './case-runs.ts';
import { withFullDurability } from '../store/commit-durability.ts';

export interface GroupingStageOptions {
  db: Kysely<DatabaseSchema>;
  dialect: Dialect;
  audit: AuditLog;
  rules: readonly GroupingRule[];
  /** Alerts grouped per transaction. */
  batchSize?: number;
  onError: (error: unknown) => void;
  /** Sees the cases each batch creates, inside its transaction (playbook triggers). */
  caseHook?: TransactionHook<CaseChange>;
  /** Told each grouped alert (alert.created) and each case it touched (case.changed), after the commit. */
  live?: LivePublisher;
}

const RETRY_MS = 1000;

/**
 * The durable stage that groups alerts stored without a case. Ingest groups new alerts in the
 * transaction that stores them (src/ingest/ingest-writer.ts); when that fails, it stores them
 * ungrouped and notifies this stage, which groups every alert whose case_id is still empty, in large
 * batches, each batch in one transaction. The queue is the alerts table itself, so a crash loses
 * nothing: on start the stage picks up whatever was left.
 */
export class GroupingStage {
  readonly #options: GroupingStageOptions;
  readonly #batchSize: number;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(options: GroupingStageOptions) {
    this.#options = options;
    this.#batchSize = options.batchSize ?? 2000;
  }

  /** Something was ingested: make sure a run is under way (coalesced). */
  notify(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    // It commits for the ingest that stored the alerts: fully durable, whoever notified it.
    this.#running = withFullDurability(() => this.#loop()).finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.notify();
      }
    });
  }

  /** Resolves when no alert is left without a case (or the stage is failing and will retry). */
  async drain(): Promise<void> {
    if (!this.#running) this.notify();
    while (this.#running) await this.#running;
  }

  async close(): Promise<void> {
    await this.drain();
    this.#closed = true;
    clearTimeout(this.#retry);
  }

  async #loop(): Promise<void> {
    try {
      while ((await this.#runOnce()) === this.#batchSize) {
        // A full batch: there may be more behind it. Yield so requests are served in between.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      this.#options.onError(error);
      clearTimeout(this.#retry);
      this.#retry = setTimeout(() => this.notify(), RETRY_MS);
      this.#retry.unref();
    }
  }

  /** Groups one batch; returns how many alerts it took. */
  async #runOnce(): Promise<number> {
    const { db, dialect, audit, rules, caseHook } = this.#options;
    const hooked = caseHook ? await caseHook.prepare() : undefined;
    let grouped: GroupingRow[] = [];
    const taken = await db.transaction().execute(async (trx) => {
      await lockGrouping(trx, dialect);
      const rows = await trx
        .selectFrom('alerts')
        .select(GROUPING_COLUMNS)
        .where('case_id', 'is', null)
        .orderBy('id')
        .limit(this.#batchSize)
        .execute();
      if (rows.length === 0) return 0;
      const now = nowIso();
      const alerts = rows.map((row) => ({ row, observables: JSON.parse(row.observables) as Observable[] }));
      const entries = await groupAlerts(trx, dialect, alerts, rules, now);
      const byCase = new Map<string, string[]>();
      for (const { row } of alerts) {
        const ids = byCase.get(row.case_id!);
        if (ids) ids.push(row.id);
        else byCase.set(row.case_id!, [row.id]);
      }
      for (const [caseId, ids] of byCase) {
        for (let i = 0; i < ids.length; i += 400) {
          await trx
            .updateTable('alerts')
            .set({ case_id: caseId })
            .where('id', 'in', ids.slice(i, i + 400))
            .execute();
        }
        // Their triggers ran before they had a case: the runs join it now.
        await carryRuns(trx, ids, caseId);
      }
      await audit.append(trx, entries, now);
      const opened = openedCases(entries);
      if (hooked && opened.length > 0) await hooked.write(trx, opened);
      if (this.#options.live?.listening) grouped = rows;
      return rows.length;
    });
    if (taken > 0) hooked?.committed();
    if (grouped.length > 0) publishGrouped(this.#options.live!, grouped);
    return taken;
  }
}

/** Tells live listeners about alerts that now have their case: alert.created each, case.changed per case. */
export function publishGrouped(live: LivePublisher, rows: readonly GroupingRow[]): void {
  const cases = new Set<string>();
  for (const row of rows) {
    live.publish({
      type: 'alert.created',
      id: row.id,
      caseId: row.case_id,
      severity: row.severity,
      title: row.title,
    });
    if (row.case_id) cases.add(row.case_id);
  }
  for (const id of cases) live.publish({ type: 'case.changed', id });
}
