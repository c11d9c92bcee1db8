import { sql, type Transaction } from 'kysely';
import type { Severity } from '../core/alert.ts';
import { newId } from '../core/ids.ts';
import type { Dialect } from '../store/database.ts';
import { oneOf, valueParts } from '../store/value-lists.ts';
import type { CaseSearchTable, DatabaseSchema } from '../store/schema.ts';
import { CRITICALITIES, computePriority, type Criticality } from './priority.ts';

/**
 * What a case derives from its parts: the priority (with its explanation) and the full-text search
 * document. Both are maintained incrementally, from the case row and the parts that just arrived, so
 * a case with 100,000 alerts costs the same to update as one with a single alert.
 */
const CHUNK = 400;
export const ASSET_TYPES = ['host', 'ipv4', 'ipv6'] as const;
/** The search document stops growing here; beyond it more observable values add nothing findable. */
const MAX_DOCUMENT = 64 * 1024;
export const MAX_DOCUMENT_VALUES = 2000;

export interface AssetMatch {
  type: string;
  value: string;
  criticality: Criticality;
}

export function moreCritical(a: Criticality | null | undefined, b: Criticality | null | undefined): boolean {
  return CRITICALITIES.indexOf(a ?? ('' as Criticality)) > CRITICALITIES.indexOf(b ?? ('' as Criticality));
}

/**
 * The assets among these observables, keyed `type\u0001value`: on PostgreSQL one statement with the
 * values as an array, on SQLite IN lists of 400.
 */
export async function lookupAssets(
  trx: Transaction<DatabaseSchema>,
  dialect: Dialect,
  observables: readonly { type: string; value: string }[],
): Promise<Map<string, AssetMatch>> {
  const values = [
    ...new Set(
      observables.filter((o) => (ASSET_TYPES as readonly string[]).includes(o.type)).map((o) => o.value),
    ),
  ];
  const found = new Map<string, AssetMatch>();
  for (const part of valueParts(dialect, values)) {
    const rows = await trx
      .selectFrom('assets')
      .select(['type', 'value', 'criticality'])
      .where('type', 'in', [...ASSET_TYPES])
      .where(oneOf(dialect, 'value', part))
      .execute();
    for (const r of rows)
      found.set(`${r.type}\u0001${r.value}`, {
        type: r.type,
        value: r.value,
        criticality: r.criticality as Criticality,
      });
  }
  return found;
}

/** Recomputes the priority of these cases from their rows and their rules' history. */
export async function refreshPriority(
  trx: Transaction<DatabaseSchema>,
  caseIds: readonly string[],
): Promise<void> {
  for (let i = 0; i < caseIds.length; i += CHUNK) {
    // The rule's history comes in the same read (one round trip fewer per commit on PostgreSQL).
    const cases = await trx
      .selectFrom('cases')
      .leftJoin('rule_stats', 'rule_stats.rule_key', 'cases.rule_key')
      .select([
        'cases.id',
        'cases.severity',
        'cases.alert_count',
        'cases.asset_type',
        'cases.asset_value',
        'cases.asset_criticality',
        'cases.intel_matches',
        'cases.intel_sources',
        'cases.intel_confidence',
        'rule_stats.rule_key as history_rule_key',
        'rule_stats.true_positive',
        'rule_stats.false_positive',
        'rule_stats.benign_positive',
        'rule_stats.duplicate',
      ])
      .where('cases.id', 'in', caseIds.slice(i, i + CHUNK))
      .execute();
    for (const c of cases) {
      const priority = computePriority({
        severity: c.severity as Severity,
        alertCount: Number(c.alert_count),
        ...(c.asset_type && c.asset_value && c.asset_criticality
          ? {
              asset: {
                type: c.asset_type,
                value: c.asset_value,
                criticality: c.asset_criticality as Criticality,
              },
            }
          : {}),
        ...(Number(c.intel_matches) > 0 && c.intel_confidence !== null
          ? {
              intel: {
                matches: Number(c.intel_matches),
                sources: JSON.parse(c.intel_sources) as string[],
                confidence: Number(c.intel_confidence),
              },
            }
          : {}),
        ...(c.history_rule_key !== null
          ? {
              history: {
                ruleKey: c.history_rule_key,
                truePositive: Number(c.true_positive),
                falsePositive: Number(c.false_positive),
                benignPositive: Number(c.benign_positive),
                duplicate: Number(c.duplicate),
              },
            }
          : {}),
      });
      await trx
        .updateTable('cases')
        .set({ priority: priority.score, priority_factors: JSON.stringify(priority.factors) })
        .where('id', '=', c.id)
        .execute();
    }
  }
}

/**
 * Both engines split "c2.evil-site.com" or "10.0.0.5" differently (PostgreSQL keeps host names whole),
 * so documents and queries are reduced to letters and digits first: the same words on both dialects,
 * and a dotted value becomes a phrase that still matches exactly.
 */
export function searchable(text: string): string {
  return text.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** The search document of a new case, or of one whose title or tags changed. */
export function searchDocument(
  title: string,
  description: string | null,
  tags: readonly string[],
  values: readonly string[],
): string {
  return searchable(
    [title, description ?? '', ...tags, ...values.slice(0, MAX_DOCUMENT_VALUES)].join(' '),
  ).slice(0, MAX_DOCUMENT);
}

/** Replaces the whole document of these cases. */
export async function writeSearchDocuments(
  trx: Transaction<DatabaseSchema>,
  documents: { case_id: string; body: string }[],
): Promise<void> {
  for (let i = 0; i < documents.length; i += CHUNK) {
    const part = documents.slice(i, i + CHUNK);
    await trx
      .deleteFrom('case_search')
      .where(
        'case_id',
        'in',
        part.map((d) => d.case_id),
      )
      .execute();
    await trx
      .insertInto('case_search')
      .values(part.map((d) => ({ ...d, part: '0' })))
      .execute();
  }
}

/**
 * The part to add to a case's document for newly seen observable values, until the document holds
 * MAX_DOCUMENT_VALUES values; undefined when there is nothing to add. Written with writeSearchParts.
 */
export function searchPart(
  caseId: string,
  held: number,
  values: readonly string[],
): { row: CaseSearchTable; added: number } | undefined {
  const room = MAX_DOCUMENT_VALUES - held;
  if (values.length === 0 || room <= 0) return undefined;
  const added = values.slice(0, room);
  return {
    row: { case_id: caseId, part: newId('p_'), body: searchable(added.join(' ')).slice(0, MAX_DOCUMENT) },
    added: added.length,
  };
}

export async function writeSearchParts(
  trx: Transaction<DatabaseSchema>,
  rows: CaseSearchTable[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK)
    await trx
      .insertInto('case_search')
      .values(rows.slice(i, i + CHUNK))
      .execute();
}

/** Rebuilds one case's document from its row and (a bounded number of) its observables. */
export async function rebuildSearchDocument(trx: Transaction<DatabaseSchema>, caseId: string): Promise<void> {
  const c = await trx
    .selectFrom('cases')
    .select(['title', 'description', 'tags'])
    .where('id', '=', caseId)
    .executeTakeFirst();
  if (!c) return;
  const values = await trx
    .selectFrom('case_observables')
    .select('value')
    .where('case_id', '=', caseId)
    .limit(MAX_DOCUMENT_VALUES)
    .execute();
  await writeSearchDocuments(trx, [
    {
      case_id: caseId,
      body: searchDocument(
        c.title,
        c.description,
        JSON.parse(c.tags) as string[],
        values.map((v) => v.value),
      ),
    },
  ]);
  await trx.updateTable('cases').set({ search_values: values.length }).where('id', '=', caseId).execute();
}

/** Turns free text into a query both FTS5 and PostgreSQL accept: each word a quoted phrase, all required. */
export function searchCondition(dialect: 'sqlite' | 'postgres', text: string) {
  const words = text
    .split(/\s+/)
    .map(searchable)
    .filter((w) => w.length > 0)
    .slice(0, 16);
  // Punctuation alone matches nothing (an empty MATCH would be a syntax error).
  if (words.length === 0) return sql<boolean>`1 = 0`;
  const query = words.map((w) => `"${w}"`).join(' ');
  if (dialect === 'sqlite') {
    return sql<boolean>`id IN (SELECT case_id FROM case_search WHERE rowid IN
      (SELECT rowid FROM case_search_fts WHERE case_search_fts MATCH ${query}))`;
  }
  return sql<boolean>`id IN (SELECT case_id FROM case_search WHERE doc @@ websearch_to_tsquery('simple', ${query}))`;
}
