import type { Kysely } from 'kysely';

/**
 * The playbook metrics count runs by playbook and status over a window (src/runs/playbook-metrics.ts):
 * two covering indexes let them read index entries only, not the runs' stored states — one for every
 * playbook over a window, one for one playbook's runs, newest first.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('runs_started_cover')
    .on('runs')
    .columns(['started_at', 'dry_run', 'playbook_id', 'status'])
    .execute();
  await db.schema
    .createIndex('runs_playbook_started')
    .on('runs')
    .columns(['playbook_id', 'started_at', 'dry_run', 'status'])
    .execute();
}
