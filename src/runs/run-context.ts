import type { Kysely } from 'kysely';
import type { Alert } from '../core/alert.ts';
import type { CaseSummary } from '../core/case.ts';
import { toCaseSummary } from '../cases/case-service.ts';
import { toAlert } from '../ingest/alert-query.ts';
import type { DatabaseSchema } from '../store/schema.ts';

export interface RunContext {
  alert: Alert | null;
  case: CaseSummary | null;
}

/** Ids per `IN (…)` list: well under SQLite's bound-parameter limit. */
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
    const alertCases = new Map<string, string | null>();
    for (let i = 0; i < alertIds.length; i += CHUNK) {
      const rows = await this.#db
        .selectFrom('alerts')
        .selectAll()
        .where('id', 'in', alertIds.slice(i, i + CHUNK))
        .execute();
      for (const row of rows) {
        alerts.set(row.id, toAlert(row));
        alertCases.set(row.id, row.case_id);
      }
    }
    const caseOf = (r: { alertId: string | null; caseId: string | null }) =>
      r.caseId ?? (r.alertId === null ? null : (alertCases.get(r.alertId) ?? null));
    const caseIds = unique(runs.map(caseOf));
    const cases = new Map<string, CaseSummary>();
    for (let i = 0; i < caseIds.length; i += CHUNK) {
      const rows = await this.#db
        .selectFrom('cases')
        .selectAll()
        .where('id', 'in', caseIds.slice(i, i + CHUNK))
        .execute();
      for (const row of rows) cases.set(row.id, toCaseSummary(row));
    }
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
