import type { Kysely } from 'kysely';
import { OBSERVABLE_TYPES, type ObservableType } from '../core/alert.ts';
import type { CaseObservable } from '../core/case.ts';
import { RiposteError, invalidField } from '../core/riposte-error.ts';
import { parseLimit, type Page } from '../store/cursor.ts';
import type { CaseObservableTable, DatabaseSchema } from '../store/schema.ts';

/** The longest cursor accepted: an observable's value (a URL, say) travels in it. */
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
  const after = decodeObservableCursor(query.cursor);
  if (query.type !== undefined && !OBSERVABLE_TYPES.includes(query.type as ObservableType))
    throw invalidField('type', `type must be one of ${OBSERVABLE_TYPES.join(', ')}`);
  let rows = db.selectFrom('case_observables').selectAll().where('case_id', '=', caseId);
  if (query.type !== undefined) rows = rows.where('type', '=', query.type as string);
  if (after)
    rows = rows.where((eb) => eb(eb.refTuple('type', 'value'), '>', eb.tuple(after.type, after.value)));
  const found = await rows
    .orderBy('type')
    .orderBy('value')
    .limit(limit + 1)
    .execute();
  const items = found.slice(0, limit).map(toCaseObservable);
  const last = items.at(-1);
  return {
    items,
    nextCursor: found.length > limit && last ? encodeObservableCursor(last.type, last.value) : null,
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

function encodeObservableCursor(type: string, value: string): string {
  return Buffer.from(JSON.stringify([type, value]), 'utf8').toString('base64url');
}

function decodeObservableCursor(cursor: string | undefined): { type: string; value: string } | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    cursor.length > OBSERVABLE_CURSOR_MAX ||
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'string' ||
    typeof parsed[1] !== 'string'
  )
    throw new RiposteError('invalid_cursor', 'cursor is not one this API returned; start again without it', {
      path: 'cursor',
    });
  return { type: parsed[0], value: parsed[1] };
}
