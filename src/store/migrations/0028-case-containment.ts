import type { Kysely } from 'kysely';

/**
 * When a case's threat was contained: set by the first containment action (RE&CT stage 3, `RA3…`)
 * a playbook applied for the case, or by an analyst marking the case contained. The contain SLA
 * clock and MTTC read it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cases').addColumn('contained_at', 'text').execute();
}
