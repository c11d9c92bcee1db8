import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/schema.ts';
import type { LivePublisher } from './live-event.ts';

/**
 * Publishes `task.changed` for tasks and approvals by id, as they are now (after the commit that
 * opened or decided them). Reads them only when someone listens.
 */
export async function publishTasks(
  db: Kysely<DatabaseSchema>,
  feed: LivePublisher,
  ids: readonly string[],
): Promise<void> {
  if (!feed.listening || ids.length === 0) return;
  for (let i = 0; i < ids.length; i += 400) {
    const rows = await db
      .selectFrom('tasks')
      .select(['id', 'kind', 'status', 'run_id', 'case_id'])
      .where('id', 'in', ids.slice(i, i + 400))
      .execute();
    for (const row of rows)
      feed.publish({
        type: 'task.changed',
        id: row.id,
        kind: row.kind,
        status: row.status,
        runId: row.run_id,
        caseId: row.case_id,
      });
  }
}
