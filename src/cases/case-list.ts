import type { Kysely } from 'kysely';
import { SEVERITIES, SEVERITY_ID } from '../core/alert.ts';
import { CASE_STATUSES } from '../core/case.ts';
import { RiposteError, invalidField } from '../core/riposte-error.ts';
import { decodeCursor, encodeCursor, parseLimit } from '../store/cursor.ts';
import type { Dialect } from '../store/database.ts';
import type { CaseTable, DatabaseSchema } from '../store/schema.ts';
import { searchCondition } from './case-derived-state.ts';

/** newest / oldest: by when the case was opened; priority: highest first, newest first among equals. */
export const CASE_SORTS = ['newest', 'oldest', 'priority'] as const;
export type CaseSort = (typeof CASE_SORTS)[number];

export interface CaseFilter {
  status?: string;
  severity?: string;
  /** A username, `me` (the caller, given as `me`) or `unassigned`. */
  assignee?: string;
  /** Who `assignee=me` means. */
  me?: string;
  tag?: string;
  q?: string;
  sort?: string;
  cursor?: string;
  limit?: unknown;
}

function oneOf<T extends string>(values: readonly T[], value: string, path: string): T {
  if (!(values as readonly string[]).includes(value))
    throw invalidField(path, `${path.slice(1)} must be one of: ${values.join(', ')}`);
  return value as T;
}

/** A priority-ordered page ends at a (priority, id) pair; the others at an id. */
function encodePriorityCursor(row: CaseTable): string {
  return Buffer.from(`${Number(row.priority)}.${row.id}`, 'utf8').toString('base64url');
}

function decodePriorityCursor(cursor: string): { priority: number; id: string } {
  const match = /^(\d{1,3})\.([a-z]+_[0-9a-z]{22})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match)
    throw new RiposteError('invalid_cursor', 'cursor is not one this API returned; start again without it', {
      path: 'cursor',
    });
  return { priority: Number(match[1]), id: match[2]! };
}

/**
 * One page of the case list. Every filter and order has an index: status, assignee (a person or
 * none) with status, severity, tag, and (status | assignee + status) + priority (migration 0009), so
 * the first page reads a few index entries at any table size.
 */
export async function listCases(
  db: Kysely<DatabaseSchema>,
  dialect: Dialect,
  filter: CaseFilter,
): Promise<{ rows: CaseTable[]; nextCursor: string | null }> {
  const limit = parseLimit(filter.limit);
  const sort = filter.sort ? oneOf(CASE_SORTS, filter.sort, '/sort') : 'newest';
  let query = db.selectFrom('cases').selectAll();
  if (filter.status) query = query.where('status', '=', oneOf(CASE_STATUSES, filter.status, '/status'));
  // The index is on severity_id (cases_severity), which always moves with severity.
  if (filter.severity)
    query = query.where('severity_id', '=', SEVERITY_ID[oneOf(SEVERITIES, filter.severity, '/severity')]);
  if (filter.assignee === 'unassigned') query = query.where('assignee', 'is', null);
  else if (filter.assignee === 'me') {
    if (!filter.me) throw invalidField('/assignee', '"me" needs a signed-in caller');
    query = query.where('assignee', '=', filter.me);
  } else if (filter.assignee) query = query.where('assignee', '=', filter.assignee);
  if (filter.tag) {
    const tag = filter.tag;
    query = query.where('id', 'in', (eb) =>
      eb.selectFrom('case_tags').select('case_id').where('tag', '=', tag),
    );
  }
  if (filter.q && filter.q.trim() !== '') {
    if (filter.q.length > 500) throw invalidField('/q', 'q may have at most 500 characters');
    query = query.where(searchCondition(dialect, filter.q));
  }
  if (sort === 'priority') {
    if (filter.cursor) {
      const after = decodePriorityCursor(filter.cursor);
      query = query.where((eb) => eb(eb.refTuple('priority', 'id'), '<', eb.tuple(after.priority, after.id)));
    }
    query = query.orderBy('priority', 'desc').orderBy('id', 'desc');
  } else {
    const cursor = decodeCursor(filter.cursor);
    if (cursor) query = query.where('id', sort === 'oldest' ? '>' : '<', cursor);
    query = query.orderBy('id', sort === 'oldest' ? 'asc' : 'desc');
  }
  const rows = await query.limit(limit + 1).execute();
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const nextCursor =
    rows.length > limit && last
      ? sort === 'priority'
        ? encodePriorityCursor(last)
        : encodeCursor(last.id)
      : null;
  return { rows: items, nextCursor };
}
