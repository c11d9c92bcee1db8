import { sql, type Transaction } from 'kysely';
import { SEVERITY_ID, type Severity } from '../core/alert.ts';
import type { CaseTable, DatabaseSchema } from '../store/schema.ts';
import { moreCritical, rebuildSearchDocument, refreshPriority } from './case-derived-state.ts';
import type { Criticality } from './priority.ts';
import { combinedIntel, intelColumns, intelOfRow } from '../intel/indicator-matcher.ts';

/** What a merge moved from one case to the other, by kind of row. */
export interface MergeMoved {
  alerts: number;
  observables: number;
  comments: number;
  runs: number;
  tasks: number;
  actions: number;
  tags: number;
}

/** A case holds at most this many tags (as a person may set them). */
const MAX_TAGS = 50;

/**
 * Folds `source` into `target` inside the caller's transaction (which holds the grouping lock and
 * both rows): every row that belongs to the source — alerts, comments, runs, tasks, response actions —
 * is given to the target in one statement per table, however many there are; its observables join
 * the target's (first and last seen widened where both hold one); its tags, severity, asset and
 * threat-intelligence matches are taken where they weigh more; the search document and the priority
 * are recomputed. The source row itself is left to the caller, which closes it.
 */
export async function foldCase(
  trx: Transaction<DatabaseSchema>,
  source: CaseTable,
  target: CaseTable,
  now: string,
): Promise<MergeMoved> {
  const moved = async (table: 'alerts' | 'case_comments' | 'runs' | 'tasks' | 'action_ledger') =>
    Number(
      (
        await trx
          .updateTable(table)
          .set({ case_id: target.id })
          .where('case_id', '=', source.id)
          .executeTakeFirst()
      ).numUpdatedRows,
    );
  const alerts = await moved('alerts');
  const comments = await moved('case_comments');
  const runs = await moved('runs');
  const tasks = await moved('tasks');
  const actions = await moved('action_ledger');

  // The source keeps its own observables (its record of what it saw); the target gains those it lacked
  // and widens the times of those both hold.
  const before = await observableCount(trx, target.id);
  await trx
    .insertInto('case_observables')
    .columns(['case_id', 'type', 'value', 'role', 'first_seen', 'last_seen'])
    .expression((eb) =>
      eb
        .selectFrom('case_observables')
        .select([sql.lit(target.id).as('case_id'), 'type', 'value', 'role', 'first_seen', 'last_seen'])
        .where('case_id', '=', source.id),
    )
    .onConflict((oc) =>
      oc.columns(['case_id', 'type', 'value']).doUpdateSet({
        first_seen: sql<string>`CASE WHEN excluded.first_seen < case_observables.first_seen THEN excluded.first_seen ELSE case_observables.first_seen END`,
        last_seen: sql<string>`CASE WHEN excluded.last_seen > case_observables.last_seen THEN excluded.last_seen ELSE case_observables.last_seen END`,
      }),
    )
    .execute();
  const observables = (await observableCount(trx, target.id)) - before;

  const targetTags = JSON.parse(target.tags) as string[];
  const tags = [...new Set([...targetTags, ...(JSON.parse(source.tags) as string[])])]
    .sort()
    .slice(0, MAX_TAGS);
  const addedTags = tags.filter((t) => !targetTags.includes(t));
  if (addedTags.length > 0)
    await trx
      .insertInto('case_tags')
      .values(addedTags.map((tag) => ({ case_id: target.id, tag })))
      .execute();

  const severity: Severity =
    SEVERITY_ID[source.severity as Severity] > SEVERITY_ID[target.severity as Severity]
      ? (source.severity as Severity)
      : (target.severity as Severity);
  const asset = moreCritical(
    source.asset_criticality as Criticality | null,
    target.asset_criticality as Criticality | null,
  )
    ? source
    : target;
  const intel = intelColumns(combinedIntel(intelOfRow(target), intelOfRow(source)));
  await trx
    .updateTable('cases')
    .set({
      alert_count: Number(target.alert_count) + alerts,
      last_alert_at:
        source.last_alert_at > target.last_alert_at ? source.last_alert_at : target.last_alert_at,
      severity,
      severity_id: SEVERITY_ID[severity],
      tags: JSON.stringify(tags),
      asset_type: asset.asset_type,
      asset_value: asset.asset_value,
      asset_criticality: asset.asset_criticality,
      ...intel,
      // Containment done for either case is done for the threat they share: the earlier counts.
      contained_at: earlier(source.contained_at ?? null, target.contained_at ?? null),
      updated_at: now,
    })
    .where('id', '=', target.id)
    .execute();
  await rebuildSearchDocument(trx, target.id);
  await refreshPriority(trx, [target.id]);
  return { alerts, observables, comments, runs, tasks, actions, tags: addedTags.length };
}

async function observableCount(trx: Transaction<DatabaseSchema>, caseId: string): Promise<number> {
  const row = await trx
    .selectFrom('case_observables')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('case_id', '=', caseId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function earlier(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}
