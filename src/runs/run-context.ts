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
  /** The characters of the rows they were read from: about what the copies hold (the run cache counts it). */
  length: number;
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
    const lengths = new Map<string, number>();
    for (const part of chunks(alertIds, CHUNK))
      for (const row of await this.#db.selectFrom('alerts').selectAll().where('id', 'in', part).execute()) {
        alerts.set(row.id, toAlert(row));
        lengths.set(row.id, rowLength(row));
      }
    const caseOf = (r: { alertId: string | null; caseId: string | null }) =>
      r.caseId ?? (r.alertId === null ? null : (alerts.get(r.alertId)?.caseId ?? null));
    const caseIds = unique(runs.map(caseOf));
    const cases = new Map<string, CaseSummary>();
    for (const part of chunks(caseIds, CHUNK))
      for (const row of await this.#db.selectFrom('cases').selectAll().where('id', 'in', part).execute()) {
        cases.set(row.id, toCaseSummary(row));
        lengths.set(row.id, rowLength(row));
      }
    return runs.map((r) => {
      const caseId = caseOf(r);
      return {
        alert: r.alertId === null ? null : (alerts.get(r.alertId) ?? null),
        case: caseId === null ? null : (cases.get(caseId) ?? null),
        length:
          (r.alertId === null ? 0 : (lengths.get(r.alertId) ?? 0)) +
          (caseId === null ? 0 : (lengths.get(caseId) ?? 0)),
      };
    });
  }
}

/** A row's size in characters: its texts' lengths, and 8 for anything else. */
export function rowLength(row: object): number {
  let length = 0;
  for (const value of Object.values(row)) length += typeof value === 'string' ? value.length : 8;
  return length;
}

function unique(ids: (string | null)[]): string[] {
  return [...new Set(ids.filter((id): id is string => id !== null))];
}
