import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/schema.ts';

/**
 * The runs that belong to a case: started on it, or on one of its alerts (an alert's trigger runs
 * before grouping gives the alert its case, so such a run's own case_id stays empty).
 */
export function runIdsOfCase(db: Kysely<DatabaseSchema>, caseId: string) {
  return db
    .selectFrom('runs')
    .select('runs.id')
    .where((r) =>
      r.or([
        r('runs.case_id', '=', caseId),
        r(
          'runs.alert_id',
          'in',
          r.selectFrom('alerts').select('alerts.id').where('alerts.case_id', '=', caseId),
        ),
      ]),
    );
}
