import { sql, type Kysely } from 'kysely';
import { RiposteError, invalidField } from '../core/riposte-error.ts';
import type { AuditLogTable, DatabaseSchema } from '../store/schema.ts';
import { toAuditRecord, type AuditRecord } from './audit-log.ts';

const ACTOR_TYPES = ['user', 'token', 'source', 'system', 'cli'];

/** The audit log's filters as the API takes them (query-string values). */
export interface AuditQuery {
  actor?: string;
  actorType?: string;
  /** An exact action (`approval.approved`) or a prefix ending in `*` (`response.*`). */
  action?: string;
  targetType?: string;
  targetId?: string;
  /** ISO-8601 bounds on the row's time, inclusive. */
  since?: string;
  until?: string;
  /** `asc` (oldest first, the default) or `desc` (newest first). */
  order?: string;
  /** The older way to page oldest first: rows after this sequence number. */
  afterSeq?: string;
  cursor?: string;
  limit?: string;
}

export interface AuditPage {
  items: AuditRecord[];
  nextCursor: string | null;
}

function encode(seq: number): string {
  return Buffer.from(`audit:${seq}`, 'utf8').toString('base64url');
}

function decode(cursor: string): number {
  const match = /^audit:([0-9]{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match)
    throw new RiposteError('invalid_cursor', 'cursor is not one this API returned; start again without it', {
      path: 'cursor',
    });
  return Number(match[1]);
}

function instant(value: string, name: string): string {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms))
    throw invalidField(name, `${name} must be an ISO-8601 date or time, like 2025-01-31T08:00:00Z`);
  return new Date(ms).toISOString();
}

/** The smallest string greater than every string starting with `prefix`. */
function after(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** Enough distinct actions under one prefix to merge them one by one; more, and the prefix is read as a range. */
const MAX_PREFIX_ACTIONS = 64;

/**
 * The distinct actions starting with `prefix`, found by skipping through the `audit_action` index one
 * action at a time (a loose index scan, a few lookups per action), or undefined when there are more
 * than MAX_PREFIX_ACTIONS of them.
 */
async function actionsWithPrefix(db: Kysely<DatabaseSchema>, prefix: string): Promise<string[] | undefined> {
  const end = after(prefix);
  const found = await sql<{ action: string | null }>`
    WITH RECURSIVE p(action, n) AS (
      SELECT (SELECT min(action) FROM audit_log WHERE action >= ${prefix} AND action < ${end}), 1
      UNION ALL
      SELECT (SELECT min(action) FROM audit_log WHERE action > p.action AND action < ${end}), p.n + 1
      FROM p WHERE p.action IS NOT NULL AND p.n <= ${MAX_PREFIX_ACTIONS}
    )
    SELECT action FROM p WHERE action IS NOT NULL`.execute(db);
  const actions = found.rows.map((r) => r.action!);
  return actions.length > MAX_PREFIX_ACTIONS ? undefined : actions;
}

/**
 * Reads the audit log with filters, paginated by a cursor over the sequence number. Each filter has
 * an index that yields rows in sequence order (actor, action, target) or bounds them (time), so a page
 * costs the same at any depth.
 */
export async function queryAudit(db: Kysely<DatabaseSchema>, q: AuditQuery): Promise<AuditPage> {
  const limit = q.limit === undefined || q.limit === '' ? 100 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw invalidField('limit', 'limit must be an integer from 1 to 1000');
  const order = q.order ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw invalidField('order', 'order must be asc or desc');
  if (q.actorType && !ACTOR_TYPES.includes(q.actorType))
    throw invalidField('actorType', `actorType must be one of: ${ACTOR_TYPES.join(', ')}`);
  if (q.afterSeq !== undefined && q.cursor !== undefined)
    throw invalidField('cursor', 'give either cursor or afterSeq, not both');
  if (q.afterSeq !== undefined && order === 'desc')
    throw invalidField('afterSeq', 'afterSeq pages oldest first; use cursor with order=desc');
  const since = q.since ? instant(q.since, 'since') : undefined;
  const until = q.until ? instant(q.until, 'until') : undefined;
  if (since && until && since > until) throw invalidField('until', 'until is before since');

  let query = db.selectFrom('audit_log').selectAll();
  if (q.actor) query = query.where('actor', '=', q.actor);
  if (q.actorType) query = query.where('actor_type', '=', q.actorType);
  let actions: string[] | undefined;
  if (q.action) {
    if (q.action.endsWith('*')) {
      const prefix = q.action.slice(0, -1);
      if (prefix === '') throw invalidField('action', 'action needs some text before *');
      actions = await actionsWithPrefix(db, prefix);
      if (actions === undefined)
        query = query.where('action', '>=', prefix).where('action', '<', after(prefix));
      else if (actions.length === 0) return { items: [], nextCursor: null };
    } else query = query.where('action', '=', q.action);
  }
  if (q.targetType) query = query.where('target_type', '=', q.targetType);
  if (q.targetId) query = query.where('target_id', '=', q.targetId);
  if (since) query = query.where('at', '>=', since);
  if (until) query = query.where('at', '<=', until);
  const from = q.cursor ? decode(q.cursor) : q.afterSeq !== undefined ? Number(q.afterSeq) : undefined;
  if (from !== undefined) query = query.where('seq', order === 'asc' ? '>' : '<', from);
  let rows: AuditLogTable[];
  if (actions === undefined) {
    rows = await query
      .orderBy('seq', order)
      .limit(limit + 1)
      .execute();
  } else {
    // One ordered range of `audit_action` per action, each cut at the page size, then merged: the
    // prefix as one range would read and sort every row of every action it covers.
    const parts = actions.map((action) =>
      db
        .selectFrom(
          query
            .where('action', '=', action)
            .orderBy('seq', order)
            .limit(limit + 1)
            .as('a'),
        )
        .selectAll(),
    );
    const merged = parts.slice(1).reduce((all, part) => all.unionAll(part), parts[0]!);
    rows = await db
      .selectFrom(merged.as('m'))
      .selectAll()
      .orderBy('seq', order)
      .limit(limit + 1)
      .execute();
  }
  const items = rows.slice(0, limit).map(toAuditRecord);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encode(last.seq) : null };
}
