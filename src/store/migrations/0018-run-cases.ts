import { sql, type Kysely } from 'kysely';

/**
 * A run's `case_id` is its case: the one it was started on, or else its alert's. Runs started before
 * their alert had a case (grouping deferred to the grouping stage) had none, so the case's runs were
 * found through its alerts — a read of every alert of the case, which grew with it. From this
 * migration on, grouping and moving an alert carry its runs along; this fills in the runs before it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`UPDATE runs SET case_id = (SELECT alerts.case_id FROM alerts WHERE alerts.id = runs.alert_id)
    WHERE case_id IS NULL AND alert_id IS NOT NULL`.execute(db);
}
