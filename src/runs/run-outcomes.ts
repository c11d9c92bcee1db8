import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/schema.ts';

export interface RunOutcomes {
  playbookId: string;
  /** How the playbook's last runs (dry runs left out) stand, by status. */
  counts: Record<string, number>;
  lastStartedAt: string | null;
}

/** Per playbook, its last `last` runs by status: one query each over the (playbook_id, id) index. */
export async function recentOutcomes(
  db: Kysely<DatabaseSchema>,
  playbookIds: readonly string[],
  last: number,
): Promise<RunOutcomes[]> {
  const outcomes: RunOutcomes[] = [];
  for (const playbookId of playbookIds) {
    const rows = await db
      .selectFrom('runs')
      .select(['status', 'started_at'])
      .where('playbook_id', '=', playbookId)
      .where('dry_run', '=', 0)
      .orderBy('id', 'desc')
      .limit(last)
      .execute();
    const counts: Record<string, number> = {};
    for (const row of rows) counts[row.status] = (counts[row.status] ?? 0) + 1;
    outcomes.push({ playbookId, counts, lastStartedAt: rows[0]?.started_at ?? null });
  }
  return outcomes;
}
