import type { Kysely } from 'kysely';
import { OBSERVABLE_TYPES, type ObservableType } from '../core/alert.ts';
import type { CaseObservable } from '../core/case.ts';
import { invalidField } from '../core/riposte-error.ts';
import { decodeTupleCursor, encodeTupleCursor, parseLimit, type Page } from '../store/cursor.ts';
import type { CaseObservableTable, DatabaseSchema } from '../store/schema.ts';

/** The longest cursor the route accepts: an observable's value (a URL, say) travels in it. */
export const OBSERVABLE_CURSOR_MAX = 4096;

export interface ObservablePageQuery {
  type?: unknown;
  cursor?: string;
  limit?: unknown;
}

/**
 * A case's observables a page at a time, by type then value (the table's key, so any page is one
 * index range, however many the case holds). The cursor is the last row's type and value.
 */
export async function caseObservablePage(
  db: Kysely<DatabaseSchema>,
  caseId: string,
  query: ObservablePageQuery,
  fallbackLimit = 100,
): Promise<Page<CaseObservable>> {
  const limit = parseLimit(query.limit, fallbackLimit);
  const [afterType, afterValue] = decodeTupleCursor(query.cursor, 2) ?? [];
  if (query.type !== undefined && !OBSERVABLE_TYPES.includes(query.type as ObservableType))
    throw invalidField('type', `type must be one of ${OBSERVABLE_TYPES.join(', ')}`);
  let rows = db.selectFrom('case_observables').selectAll().where('case_id', '=', caseId);
  if (query.type !== undefined) rows = rows.where('type', '=', query.type as string);
  if (afterType !== undefined && afterValue !== undefined)
    rows = rows.where((eb) => eb(eb.refTuple('type', 'value'), '>', eb.tuple(afterType, afterValue)));
  const found = await rows
    .orderBy('type')
    .orderBy('value')
    .limit(limit + 1)
    .execute();
  const items = found.slice(0, limit).map(toCaseObservable);
  const last = items.at(-1);
  return {
    items,
    nextCursor: found.length > limit && last ? encodeTupleCursor([last.type, last.value]) : null,
  };
}

export function toCaseObservable(row: CaseObservableTable): CaseObservable {
  return {
    type: row.type as CaseObservable['type'],
    value: row.value,
    ...(row.role === null ? {} : { role: row.role as CaseObservable['role'] }),
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
  };
}
