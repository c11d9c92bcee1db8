import type { Kysely } from 'kysely';

/**
 * Reservations of side-effecting action attempts that the blast-radius limits and cool-downs let
 * through and that have not been recorded in the ledger yet (src/response/response-store.ts): counted
 * with the ledger, so attempts admitted at the same moment cannot all squeeze under one limit. A row
 * lives from the gate's admission to the ledger record (or to the attempt's failure); the table stays
 * as small as the number of actions in flight.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('action_reservations')
    .addColumn('idempotency_key', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('playbook_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('effect', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_value', 'text')
    .addColumn('reserved_at', 'text', (c) => c.notNull())
    .execute();
}
