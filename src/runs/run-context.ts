import type { Kysely } from 'kysely';
import type { Alert } from '../core/alert.ts';
import type { CaseSummary } from '../core/case.ts';
import { toCaseSummary } from '../cases/case-service.ts';
import { toAlert } from '../ingest/alert-query.ts';
import type { DatabaseSchema } from '../store/schema.ts';

/** What a run's expressions see as `alert` and `case`: the current rows, read when the run needs them. */
export class RunContextLoader {
  readonly #db: Kysely<DatabaseSchema>;

  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async load(
    alertId: string | null,
    caseId: string | null,
  ): Promise<{ alert: Alert | null; case: CaseSummary | null }> {
    const alertRow = alertId
      ? await this.#db.selectFrom('alerts').selectAll().where('id', '=', alertId).executeTakeFirst()
      : undefined;
    const effectiveCase = caseId ?? alertRow?.case_id ?? null;
    const caseRow = effectiveCase
      ? await this.#db.selectFrom('cases').selectAll().where('id', '=', effectiveCase).executeTakeFirst()
      : undefined;
    return { alert: alertRow ? toAlert(alertRow) : null, case: caseRow ? toCaseSummary(caseRow) : null };
  }
}
