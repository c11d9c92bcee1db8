import type { CaseChange } from '../cases/case-change.ts';
import { nowIso } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import type { CompiledExpression } from '../core/playbook.ts';
import { rawOf, toAlert, toAlertWithoutRaw } from '../ingest/alert-query.ts';
import type { PlaybookExpression } from '../playbooks/expression.ts';
import type { AlertTable, RunTable } from '../store/schema.ts';
import { insertRows } from '../store/bulk-insert.ts';
import type { Dialect } from '../store/database.ts';
import type { TransactionHook } from '../store/transaction-hook.ts';
import { routeAlert } from './alert-routing.ts';
import type { PlaybookService, VersionedPlan } from './playbook-service.ts';
import { rowLength } from './run-context.ts';
import { queuedRunRow } from './run-commands.ts';
import type { RunTrigger } from './run-record.ts';
import type { InlineStarts } from './run-engine.ts';

export interface RunTriggerOptions {
  playbooks: PlaybookService;
  dialect: Dialect;
  /**
   * When this process runs playbooks, alert-triggered runs start inside the ingest transaction itself
   * (their first action goes out right after that commit); otherwise they are queued for a worker.
   */
  inlineStarts?: () => Promise<InlineStarts | null>;
  /** Called after a commit that queued runs (the engine starts them); absent in processes that do not run playbooks. */
  onQueued?: (runIds: string[]) => void;
  onError: (error: unknown, message: string) => void;
}

/**
 * Playbook triggers on alerts and case events (which playbooks an alert starts: `routeAlert`). The
 * runs they start are inserted as queued rows in the same transaction as the alert or case change, so
 * an acknowledged alert never loses its run; the engine starts queued runs after the commit (or on
 * recovery).
 */
export class RunTriggers {
  readonly #options: RunTriggerOptions;
  constructor(options: RunTriggerOptions) {
    this.#options = options;
  }

  readonly alertHook: TransactionHook<AlertTable> = {
    prepare: async () => {
      const plans = (await this.#plans()).filter((p) => p.plan.triggers.alert !== null);
      const inline = plans.length > 0 ? ((await this.#options.inlineStarts?.()) ?? null) : null;
      const queued: string[] = [];
      // The raw event is the largest part of an alert to parse, and most triggers never look at it.
      const withRaw = plans.some(({ plan }) => mayReadRaw(plan.triggers.alert));
      return {
        write: async (trx, alerts) => {
          if (plans.length === 0) return;
          const rows: RunTable[] = [];
          const now = nowIso();
          for (const row of alerts) {
            const alert = withRaw ? toAlert(row) : toAlertWithoutRaw(row);
            const routed = routeAlert(plans, alert, (error, playbookId) =>
              this.#options.onError(error, `alert trigger of playbook ${playbookId} failed`),
            );
            // A run started in place gets the whole alert, as one started from its row would.
            if (inline && !withRaw && routed.length > 0) alert.raw = rawOf(row);
            const length = inline && routed.length > 0 ? rowLength(row) : 0;
            for (const { plan, version } of routed) {
              const run = this.#row(
                plan.id,
                version,
                { kind: 'alert', alertId: row.id },
                row.id,
                row.case_id,
                now,
              );
              if (inline) inline.start(run, plan, alert, length);
              else queued.push(run.id);
              rows.push(run);
            }
          }
          await insertRows(trx, this.#options.dialect, 'runs', rows);
          await inline?.write(trx);
        },
        committed: () => {
          inline?.committed();
          if (queued.length > 0) this.#options.onQueued?.(queued);
        },
      };
    },
  };

  readonly caseHook: TransactionHook<CaseChange> = {
    prepare: async () => {
      const plans = (await this.#plans()).filter((p) => p.plan.triggers.case.length > 0);
      const queued: string[] = [];
      return {
        write: async (trx, changes) => {
          const now = nowIso();
          const rows = changes.flatMap((change) =>
            plans
              .filter(({ plan }) => plan.triggers.case.includes(change.event))
              .map(({ plan, version }) =>
                this.#row(
                  plan.id,
                  version,
                  { kind: 'case', caseId: change.caseId, event: change.event },
                  null,
                  change.caseId,
                  now,
                ),
              ),
          );
          await insertRows(trx, this.#options.dialect, 'runs', rows);
          queued.push(...rows.map((r) => r.id));
        },
        committed: () => {
          if (queued.length > 0) this.#options.onQueued?.(queued);
        },
      };
    },
  };

  async #plans(): Promise<readonly VersionedPlan[]> {
    try {
      return await this.#options.playbooks.enabledPlans();
    } catch (error) {
      // A broken playbook must not stop ingestion; the alert is stored, the trigger is reported.
      this.#options.onError(error, 'playbook triggers could not be loaded');
      return [];
    }
  }

  #row(
    playbookId: string,
    version: number,
    trigger: RunTrigger,
    alertId: string | null,
    caseId: string | null,
    now: string,
  ): RunTable {
    const identity = {
      id: newId('run_'),
      playbook_id: playbookId,
      alert_id: alertId,
      case_id: caseId,
      parent_run_id: null,
      parent_step_key: null,
      started_by: 'trigger',
      dry_run: 0,
    };
    return queuedRunRow(identity, playbookId, trigger, { queued: true, inputs: {} }, now, version);
  }
}

/**
 * Whether an alert trigger may read `alert.raw`: it names it, or names `alert` without a static field
 * (`alert[key]`, `alert` passed whole). An expression without its reads (not compiled by
 * src/playbooks/expression.ts) is assumed to.
 */
function mayReadRaw(trigger: CompiledExpression | null): boolean {
  if (trigger === null) return false;
  const reads = (trigger as Partial<PlaybookExpression>).reads;
  if (reads === undefined) return true;
  return reads.some(({ path }) => path[0] === 'alert' && (path.length === 1 || path[1] === 'raw'));
}
