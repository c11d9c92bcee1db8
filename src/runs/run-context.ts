import type { Kysely } from 'kysely';
import { chunks } from '../core/chunks.ts';
import type { Alert } from '../core/alert.ts';
import type { CaseSummary } from '../core/case.ts';
import { toCaseSummary } from '../cases/case-service.ts';
import { toAlert } from '../ingest/alert-query.ts';
import type { DatabaseSchema } from '../store/schema.ts';

export interface RunContext {
  alert: Alert | null;
  case: CaseSummary | null;
}

/** Ids per `IN (…)` list. */
const CHUNK = 500;

/**
 * What a run's expressions see as `alert` and `case`: the current rows, read when the run needs them.
 * Expressions only read them, so runs of the same alert share one parsed copy.
 */
export class RunContextLoader {
  readonly #db: Kysely<DatabaseSchema>;

  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async load(alertId: string | null, caseId: string | null): Promise<RunContext> {
    const [context] = await this.loadMany([{ alertId, caseId }]);
    return context!;
  }

  /**
   * The contexts of many runs, in their order, in one query for their alerts and one for their cases
   * (a group commit of the engine starts or wakes up to a hundred runs at once, often two per alert).
   * A run without a case of its own sees its alert's.
   */
  async loadMany(runs: readonly { alertId: string | null; caseId: string | null }[]): Promise<RunContext[]> {
    const alertIds = unique(runs.map((r) => r.alertId));
    const alerts = new Map<string, Alert>();
    for (const part of chunks(alertIds, CHUNK))
      for (const row of await this.#db.selectFrom('alerts').selectAll().where('id', 'in', part).execute())
        alerts.set(row.id, toAlert(row));
    const caseOf = (r: { alertId: string | null; caseId: string | null }) =>
      r.caseId ?? (r.alertId === null ? null : (alerts.get(r.alertId)?.caseId ?? null));
    const caseIds = unique(runs.map(caseOf));
    const cases = new Map<string, CaseSummary>();
    for (const part of chunks(caseIds, CHUNK))
      for (const row of await this.#db.selectFrom('cases').selectAll().where('id', 'in', part).execute())
        cases.set(row.id, toCaseSummary(row));
    return runs.map((r) => {
      const caseId = caseOf(r);
      return {
        alert: r.alertId === null ? null : (alerts.get(r.alertId) ?? null),
        case: caseId === null ? null : (cases.get(caseId) ?? null),
      };
    });
  }
}

function unique(ids: (string | null)[]): string[] {
  return [...new Set(ids.filter((id): id is string => id !== null))];
}
