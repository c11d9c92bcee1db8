import type { Kysely, Transaction } from 'kysely';
import type { DatabaseSchema } from '../store/schema.ts';

const CHUNK = 400;

/**
 * Above this many alerts, a case's related rows (its timeline, its tasks) are found by reading the
 * candidate rows and checking each against the case, not by looking up each of the case's alerts and
 * runs: a noisy rule's case can hold a hundred thousand of each, while rows about them are few.
 */
export const BIG_CASE_ALERTS = 1000;

export async function isBigCase(db: Kysely<DatabaseSchema>, caseId: string): Promise<boolean> {
  const row = await db.selectFrom('cases').select('alert_count').where('id', '=', caseId).executeTakeFirst();
  return Number(row?.alert_count ?? 0) > BIG_CASE_ALERTS;
}

/**
 * The runs that belong to a case: its `case_id` is the case a run was started on, or else its
 * alert's case — set when the run starts on an alert that already has one, when grouping gives the
 * alert its case later, and when the alert moves to another case (`carryRuns`). One index range
 * (`runs_case`), however many alerts the case holds.
 */
export function runIdsOfCase(db: Kysely<DatabaseSchema>, caseId: string) {
  return db.selectFrom('runs').select('runs.id').where('runs.case_id', '=', caseId);
}

/**
 * Alerts now in `caseId` take their runs along: runs of theirs with no case yet, and those that were
 * in the case the alerts left (`leftCases`). A run started on some other case stays there.
 */
export async function carryRuns(
  trx: Transaction<DatabaseSchema>,
  alertIds: readonly string[],
  caseId: string,
  leftCases: readonly string[] = [],
): Promise<void> {
  for (let i = 0; i < alertIds.length; i += CHUNK)
    await trx
      .updateTable('runs')
      .set({ case_id: caseId })
      .where('alert_id', 'in', alertIds.slice(i, i + CHUNK))
      .where((eb) =>
        leftCases.length === 0
          ? eb('case_id', 'is', null)
          : eb.or([eb('case_id', 'is', null), eb('case_id', 'in', [...leftCases])]),
      )
      .execute();
}
