import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/schema.ts';

/**
 * The runs that belong to a case: started on it, or on one of its alerts (an alert's trigger runs
 * before grouping gives the alert its case, so such a run's own case_id stays empty). A UNION of the
 * two, not an OR: each half reads its own index (`runs_case`, `runs_alert`), where an OR made
 * PostgreSQL scan the whole runs table.
 */
export function runIdsOfCase(db: Kysely<DatabaseSchema>, caseId: string) {
  return db
    .selectFrom('runs')
    .select('runs.id')
    .where('runs.case_id', '=', caseId)
    .union(
      db
        .selectFrom('runs')
        .select('runs.id')
        .where(
          'runs.alert_id',
          'in',
          db.selectFrom('alerts').select('alerts.id').where('alerts.case_id', '=', caseId),
        ),
    );
}
