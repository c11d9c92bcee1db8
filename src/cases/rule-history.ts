import { sql, type Transaction } from 'kysely';
import type { Resolution } from '../core/case.ts';
import type { DatabaseSchema, RuleStatsTable } from '../store/schema.ts';
import { ruleKey } from './case-keys.ts';

const COLUMN: Record<Resolution, keyof Omit<RuleStatsTable, 'rule_key'>> = {
  true_positive: 'true_positive',
  false_positive: 'false_positive',
  benign_positive: 'benign_positive',
  duplicate: 'duplicate',
};

/**
 * Keeps each detection rule's tally of resolutions: when a case is closed (or its resolution changes,
 * or it is reopened), every rule behind its alerts moves from the old column to the new one. The tally
 * feeds the priority of future cases from the same rule.
 */
export async function recordResolution(
  trx: Transaction<DatabaseSchema>,
  caseId: string,
  before: Resolution | null,
  after: Resolution | null,
): Promise<void> {
  const rules = await trx
    .selectFrom('alerts')
    .select(['source', 'rule_id', 'rule_name', 'title'])
    .distinct()
    .where('case_id', '=', caseId)
    .execute();
  const keys = [
    ...new Set(rules.map((r) => ruleKey(r.source, { id: r.rule_id, name: r.rule_name }, r.title))),
  ];
  for (const key of keys) {
    await trx
      .insertInto('rule_stats')
      .values({ rule_key: key, true_positive: 0, false_positive: 0, benign_positive: 0, duplicate: 0 })
      .onConflict((oc) => oc.column('rule_key').doNothing())
      .execute();
    if (before) {
      const column = COLUMN[before];
      await trx
        .updateTable('rule_stats')
        .set({ [column]: sql`${sql.ref(column)} - 1` })
        .where('rule_key', '=', key)
        .execute();
    }
    if (after) {
      const column = COLUMN[after];
      await trx
        .updateTable('rule_stats')
        .set({ [column]: sql`${sql.ref(column)} + 1` })
        .where('rule_key', '=', key)
        .execute();
    }
  }
}
