import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { toAuditRecord, type AuditRecord } from '../audit/audit-log.ts';
import { SEVERITIES, SEVERITY_ID, type Alert, type Severity } from '../core/alert.ts';
import {
  CASE_STATUSES,
  RESOLUTIONS,
  type CaseComment,
  type CaseObservable,
  type CaseStatus,
  type CaseSummary,
  type Resolution,
} from '../core/case.ts';
import { nowDate, nowIso } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import { RiposteError, invalidField } from '../core/riposte-error.ts';
import { toAlert } from '../ingest/alert-query.ts';
import { decodeTupleCursor, encodeTupleCursor, parseLimit, type Page } from '../store/cursor.ts';
import type { Dialect } from '../store/database.ts';
import type { CaseTable, DatabaseSchema } from '../store/schema.ts';
import type { SlaTargets } from '../config.ts';
import { rebuildSearchDocument, refreshPriority } from './case-derived-state.ts';
import type { TransactionHook } from '../store/transaction-hook.ts';
import type { CaseChange } from './case-change.ts';
import type { LivePublisher } from '../live/live-event.ts';
import { listCases, type CaseFilter } from './case-list.ts';
import { mentionedUsers, type MentionHook } from './case-mentions.ts';
import { caseSla, type CaseSla } from './case-sla.ts';
import { caseObservablePage, type ObservablePageQuery } from './case-observables.ts';
import { BIG_CASE_ALERTS } from './case-runs.ts';
import { caseTimeline } from './case-timeline.ts';
import { recordResolution } from './rule-history.ts';
import { lockGrouping } from './case-grouper.ts';
import { foldCase, type MergeMoved } from './case-merge.ts';
import { relatedCases, type RelatedCases } from './related-cases.ts';

export type { CaseFilter } from './case-list.ts';

/** A case as the work queue shows it: the summary, when it was acknowledged and contained, and its SLA now. */
export interface CaseItem extends CaseSummary {
  acknowledgedAt: string | null;
  /** When the threat was first contained: a containment action (RE&CT `RA3…`) applied, or marked by hand. */
  containedAt: string | null;
  sla: CaseSla | null;
}

export interface CaseServiceOptions {
  /** SLA targets per severity (config `sla`); none: no SLA. */
  sla?: SlaTargets;
  /** The clock SLAs are measured against (tests pass a fixed one). */
  now?: () => Date;
  /** Told after a comment naming people with @username commits. */
  onMention?: MentionHook;
  /** Told `case.changed` after a change or a comment commits. */
  live?: LivePublisher;
}

export interface CaseDetail extends CaseItem {
  alerts: Alert[];
  /** The first DETAIL_OBSERVABLES by type and value; the rest through `observables()`. */
  observables: CaseObservable[];
  observableCount: number;
  /** For `GET /api/v1/cases/{id}/observables`, to go on after `observables`; null when they are all. */
  observablesNextCursor: string | null;
  /** The newest DETAIL_COMMENTS, oldest first; older ones through `comments()`. */
  comments: CaseComment[];
  commentCount: number;
  /** For `GET /api/v1/cases/{id}/comments`, to go on to older comments; null when they are all. */
  olderCommentsCursor: string | null;
  timeline: AuditRecord[];
  /** The cases merged into this one, newest first (the first MERGED_LISTED). */
  mergedCases: { id: string; title: string; closedAt: string | null }[];
}

export interface MergeRequest {
  into?: unknown;
  note?: unknown;
}

export interface MergeResult {
  /** The case that took the other's alerts, as it is now. */
  case: CaseItem;
  /** The case merged, now closed as a duplicate. */
  merged: CaseItem;
  moved: MergeMoved;
}

export interface CasePatch {
  status?: unknown;
  severity?: unknown;
  assignee?: unknown;
  tags?: unknown;
  resolution?: unknown;
  resolutionNote?: unknown;
  /** true: the threat is contained (now, unless it already was); false: it is not (clears the time). */
  contained?: unknown;
}

const TAG = /^[\p{L}\p{N}][\p{L}\p{N}_:./-]{0,63}$/u;
const DETAIL_ALERTS = 100;
/** A case grouped from a noisy rule can hold a hundred thousand observables; the detail carries a page. */
const DETAIL_OBSERVABLES = 200;
/** A playbook that comments on each alert's case leaves a noisy rule's case with as many comments. */
const DETAIL_COMMENTS = 100;
const MERGED_LISTED = 50;

export function toCaseSummary(row: CaseTable): CaseSummary {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    status: row.status as CaseStatus,
    severity: row.severity as Severity,
    priority: Number(row.priority),
    priorityFactors: JSON.parse(row.priority_factors) as CaseSummary['priorityFactors'],
    assignee: row.assignee,
    tags: JSON.parse(row.tags) as string[],
    resolution: row.resolution as Resolution | null,
    resolutionNote: row.resolution_note,
    alertCount: Number(row.alert_count),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    closedAt: row.closed_at,
    lastAlertAt: row.last_alert_at,
    mergedInto: row.merged_into ?? null,
  };
}

function oneOf<T extends string>(values: readonly T[], value: unknown, path: string): T {
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw invalidField(path, `${path.slice(1)} must be one of: ${values.join(', ')}`);
  }
  return value as T;
}

/** Cases: the list and search, the detail, and every change an analyst makes. */
export class CaseService {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #dialect: Dialect;
  readonly #audit: AuditLog;

  readonly #caseHook: TransactionHook<CaseChange> | undefined;
  readonly #options: CaseServiceOptions;

  constructor(
    db: Kysely<DatabaseSchema>,
    dialect: Dialect,
    audit: AuditLog,
    caseHook?: TransactionHook<CaseChange>,
    options: CaseServiceOptions = {},
  ) {
    this.#db = db;
    this.#dialect = dialect;
    this.#audit = audit;
    this.#caseHook = caseHook;
    this.#options = options;
  }

  #item(row: CaseTable, now = this.#options.now?.() ?? nowDate()): CaseItem {
    const summary = toCaseSummary(row);
    const acknowledgedAt = row.acknowledged_at ?? null;
    const containedAt = row.contained_at ?? null;
    const sla = caseSla(
      this.#options.sla?.[summary.severity],
      { createdAt: summary.createdAt, acknowledgedAt, containedAt, closedAt: summary.closedAt },
      now,
    );
    return { ...summary, acknowledgedAt, containedAt, sla };
  }

  async list(filter: CaseFilter): Promise<Page<CaseItem>> {
    const page = await listCases(this.#db, this.#dialect, filter);
    const now = this.#options.now?.() ?? nowDate();
    return { items: page.rows.map((row) => this.#item(row, now)), nextCursor: page.nextCursor };
  }

  /** The case's timeline from the audit log, newest first (see case-timeline.ts). */
  async timeline(id: string, page: { cursor?: string; limit?: unknown }): Promise<Page<AuditRecord>> {
    const { alert_count } = await this.#existing(id);
    return caseTimeline(this.#db, id, page, Number(alert_count) > BIG_CASE_ALERTS);
  }

  /** The case's row (its size), or not_found. */
  async #existing(id: string): Promise<{ alert_count: number }> {
    const row = await this.#db
      .selectFrom('cases')
      .select('alert_count')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new RiposteError('not_found', `no case with id "${id}"`);
    return row;
  }

  /** A case's comments a page at a time, newest first (`cursor` from the detail or the previous page). */
  async comments(id: string, page: { cursor?: string; limit?: unknown }): Promise<Page<CaseComment>> {
    await this.#existing(id);
    const before = decodeTupleCursor(page.cursor, 2);
    return this.#commentPage(id, before && { at: before[0]!, id: before[1]! }, parseLimit(page.limit));
  }

  /** By time written, then id (index `case_comments_case_time`, migration 0019). */
  async #commentPage(
    id: string,
    before: { at: string; id: string } | undefined,
    limit: number,
  ): Promise<Page<CaseComment>> {
    let query = this.#db.selectFrom('case_comments').selectAll().where('case_id', '=', id);
    if (before)
      query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(before.at, before.id)));
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map((c) => ({
      id: c.id,
      author: c.author,
      body: c.body,
      mentions: JSON.parse(c.mentions) as string[],
      createdAt: c.created_at,
    }));
    const last = items.at(-1);
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeTupleCursor([last.createdAt, last.id]) : null,
    };
  }

  /** Other cases that saw this case's observables, most alike first, and how they ended (related-cases.ts). */
  async related(id: string, query: { limit?: unknown } = {}): Promise<RelatedCases> {
    await this.#existing(id);
    return relatedCases(this.#db, this.#dialect, id, query.limit);
  }

  /** A case's observables a page at a time (type, cursor, limit), by type then value. */
  async observables(id: string, query: ObservablePageQuery): Promise<Page<CaseObservable>> {
    await this.#existing(id);
    return caseObservablePage(this.#db, id, query);
  }

  async get(id: string, viewer?: Actor): Promise<CaseDetail> {
    const row = await this.#db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new RiposteError('not_found', `no case with id "${id}"`);
    const [alerts, observables, comments, timeline, mergedCases] = await Promise.all([
      this.#db
        .selectFrom('alerts')
        .selectAll()
        .where('case_id', '=', id)
        .orderBy('id', 'desc')
        .limit(DETAIL_ALERTS)
        .execute(),
      caseObservablePage(this.#db, id, {}, DETAIL_OBSERVABLES),
      this.#commentPage(id, undefined, DETAIL_COMMENTS),
      this.#db
        .selectFrom('audit_log')
        .selectAll()
        .where('target_type', '=', 'case')
        .where('target_id', '=', id)
        .where('action', '!=', 'case.view')
        .orderBy('seq')
        .limit(1000)
        .execute(),
      this.#db
        .selectFrom('cases')
        .select(['id', 'title', 'closed_at'])
        .where('merged_into', '=', id)
        .orderBy('closed_at', 'desc')
        .limit(MERGED_LISTED)
        .execute(),
    ]);
    if (viewer)
      await this.#audit.write(this.#db, [
        { actor: viewer, action: 'case.view', targetType: 'case', targetId: id },
      ]);
    return {
      ...this.#item(row),
      alerts: alerts.map(toAlert),
      observables: observables.items,
      observableCount:
        observables.nextCursor === null
          ? observables.items.length
          : await this.#countOfCase('case_observables', id),
      observablesNextCursor: observables.nextCursor,
      // Oldest first, as a conversation reads.
      comments: [...comments.items].reverse(),
      commentCount:
        comments.nextCursor === null ? comments.items.length : await this.#countOfCase('case_comments', id),
      olderCommentsCursor: comments.nextCursor,
      timeline: timeline.map(toAuditRecord),
      mergedCases: mergedCases.map((m) => ({ id: m.id, title: m.title, closedAt: m.closed_at })),
    };
  }

  /** Rows of a case in one of its tables: asked only when the detail's page of them is not all. */
  async #countOfCase(table: 'case_observables' | 'case_comments', id: string): Promise<number> {
    const row = await this.#db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .where('case_id', '=', id)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async update(id: string, patch: CasePatch, actor: Actor): Promise<CaseItem> {
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
      throw new RiposteError('validation_failed', 'the body must be a JSON object', { path: '/' });
    }
    const known = new Set([
      'status',
      'severity',
      'assignee',
      'tags',
      'resolution',
      'resolutionNote',
      'contained',
    ]);
    for (const key of Object.keys(patch))
      if (!known.has(key))
        throw invalidField(`/${key}`, `unknown field "${key}"; allowed: ${[...known].join(', ')}`);
    // A patch that changes nothing (an automation setting what is already set) is answered from a
    // plain read: no write lock, no transaction, no change event.
    const current = await this.#db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
    if (!current) throw new RiposteError('not_found', `no case with id "${id}"`);
    if (Object.keys((await this.#changes(this.#db, current, patch)).set).length === 0)
      return this.#item(current);
    const hooked = this.#caseHook ? await this.#caseHook.prepare() : undefined;
    const updated = await this.#db.transaction().execute(async (trx) => {
      // Closing or reopening waits for grouping in flight (its lock, taken before the row's, in the order
      // ingest takes them): grouping that had read the case as open would otherwise add alerts to it
      // after it closed.
      if (patch.status !== undefined) await lockGrouping(trx, this.#dialect);
      // What the change moves from (resolution tallies, the closed event, the audit's from/to) is read
      // here and held to the commit, so two updates of one case take turns.
      const row = await trx
        .selectFrom('cases')
        .selectAll()
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw new RiposteError('not_found', `no case with id "${id}"`);
      const now = nowIso();
      const { set, changes, status, resolution } = await this.#changes(trx, row, patch);
      if (set.status === 'closed') set.closed_at = now;
      if (set.status === 'open') set.closed_at = null;
      // Reopened, a merged case is a case of its own again (its alerts stay where they went).
      if (set.status === 'open' && row.merged_into) set.merged_into = null;
      if (Object.keys(set).length === 0) return { item: this.#item(row), events: 0, changed: false };
      // Acknowledged: the first time someone takes the case or closes it (the acknowledge SLA).
      if (row.acknowledged_at === null && (set.assignee || set.status === 'closed'))
        set.acknowledged_at = now;
      set.updated_at = now;
      await trx.updateTable('cases').set(set).where('id', '=', id).execute();
      if (set.tags !== undefined) {
        await trx.deleteFrom('case_tags').where('case_id', '=', id).execute();
        const tags = JSON.parse(set.tags) as string[];
        if (tags.length > 0)
          await trx
            .insertInto('case_tags')
            .values(tags.map((tag) => ({ case_id: id, tag })))
            .execute();
      }
      if (set.status !== undefined) {
        await trx
          .updateTable('alerts')
          .set({ status: status === 'closed' ? 'closed' : 'triaged' })
          .where('case_id', '=', id)
          .execute();
      }
      const before = row.status === 'closed' ? (row.resolution as Resolution | null) : null;
      const after = status === 'closed' ? resolution : null;
      if (before !== after) await recordResolution(trx, id, before, after);
      if (set.severity !== undefined || before !== after) await refreshPriority(trx, [id]);
      if (set.tags !== undefined) await rebuildSearchDocument(trx, id);
      await this.#audit.append(
        trx,
        [{ actor, action: 'case.update', targetType: 'case', targetId: id, details: { changes } }],
        now,
      );
      const events: CaseChange[] = [];
      if (set.severity !== undefined) events.push({ caseId: id, event: 'severity_changed' });
      if (set.status === 'closed') events.push({ caseId: id, event: 'closed' });
      if (hooked && events.length > 0) await hooked.write(trx, events);
      const fresh = await trx.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      return { item: this.#item(fresh), events: events.length, changed: true };
    });
    if (updated.events > 0) hooked?.committed();
    if (updated.changed) this.#options.live?.publish({ type: 'case.changed', id });
    return updated.item;
  }

  /**
   * Merges case `id` into the open case `request.into`: the target takes every alert, observable,
   * comment, run, task and response action of it (src/cases/case-merge.ts), and `id` is closed as a
   * duplicate pointing at the target, its rule history counting the duplicate. One transaction,
   * holding the grouping lock (so no alert is grouped into either case half-way, and merges take
   * turns) and both rows.
   */
  async merge(id: string, request: MergeRequest, actor: Actor): Promise<MergeResult> {
    if (request === null || typeof request !== 'object' || Array.isArray(request))
      throw new RiposteError('validation_failed', 'the body must be a JSON object', { path: '/' });
    for (const key of Object.keys(request))
      if (key !== 'into' && key !== 'note')
        throw invalidField(`/${key}`, `unknown field "${key}"; allowed: into, note`);
    const into = request.into;
    if (typeof into !== 'string' || into === '' || into.length > 200)
      throw invalidField('/into', 'into must be the id of the open case to merge this one into');
    if (into === id) throw invalidField('/into', 'a case cannot be merged into itself');
    const note = request.note;
    if (note !== undefined && note !== null && (typeof note !== 'string' || note.length > 10_000))
      throw invalidField('/note', 'note must be a string of at most 10000 characters');
    const hooked = this.#caseHook ? await this.#caseHook.prepare() : undefined;
    const done = await this.#db.transaction().execute(async (trx) => {
      await lockGrouping(trx, this.#dialect);
      const rows = await trx
        .selectFrom('cases')
        .selectAll()
        .where('id', 'in', [id, into])
        .orderBy('id')
        .forUpdate()
        .execute();
      const source = rows.find((r) => r.id === id);
      const target = rows.find((r) => r.id === into);
      if (!source) throw new RiposteError('not_found', `no case with id "${id}"`);
      if (!target) throw invalidField('/into', `no case with id "${into}"`);
      for (const c of [source, target])
        if (c.status !== 'open')
          throw new RiposteError(
            'invalid_state',
            `case ${c.id} is closed${c.merged_into ? ` (merged into ${c.merged_into})` : ''}: only open cases can be merged; reopen it first`,
          );
      const now = nowIso();
      // The duplicate is counted for the rules of the alerts the case holds, before they move.
      await recordResolution(trx, id, null, 'duplicate');
      const moved = await foldCase(trx, source, target, now);
      const resolutionNote = typeof note === 'string' && note.trim() !== '' ? note : `Merged into ${into}`;
      await trx
        .updateTable('cases')
        .set({
          status: 'closed',
          resolution: 'duplicate',
          resolution_note: resolutionNote,
          closed_at: now,
          acknowledged_at: source.acknowledged_at ?? now,
          updated_at: now,
          alert_count: 0,
          merged_into: into,
        })
        .where('id', '=', id)
        .execute();
      await refreshPriority(trx, [id]);
      await this.#audit.append(
        trx,
        [
          {
            actor,
            action: 'case.merge',
            targetType: 'case',
            targetId: id,
            details: { into, moved, resolutionNote },
          },
          {
            actor,
            action: 'case.merge_in',
            targetType: 'case',
            targetId: into,
            details: { from: id, title: source.title, moved },
          },
        ],
        now,
      );
      const fresh = await trx.selectFrom('cases').selectAll().where('id', 'in', [id, into]).execute();
      const merged = fresh.find((r) => r.id === id)!;
      const kept = fresh.find((r) => r.id === into)!;
      const events: CaseChange[] = [{ caseId: id, event: 'closed' }];
      if (kept.severity !== target.severity) events.push({ caseId: into, event: 'severity_changed' });
      if (hooked) await hooked.write(trx, events);
      return { case: this.#item(kept), merged: this.#item(merged), moved };
    });
    hooked?.committed();
    this.#options.live?.publish({ type: 'case.changed', id });
    this.#options.live?.publish({ type: 'case.changed', id: into });
    return done;
  }

  /**
   * What a patch changes on a case row: the columns to set and the audit's from/to. Throws on a
   * field it cannot take. Reads (the assignee) go through `q`: the caller's transaction, or none.
   */
  async #changes(q: Kysely<DatabaseSchema>, row: CaseTable, patch: CasePatch) {
    const set: Partial<CaseTable> = {};
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    const change = <K extends keyof CaseTable>(column: K, field: string, value: CaseTable[K]): void => {
      if (row[column] === value) return;
      set[column] = value;
      changes[field] = { from: row[column], to: value };
    };
    if (patch.severity !== undefined) {
      const severity = oneOf(SEVERITIES, patch.severity, '/severity');
      change('severity', 'severity', severity);
      if (set.severity) set.severity_id = SEVERITY_ID[severity];
    }
    if (patch.assignee !== undefined) change('assignee', 'assignee', await this.#assignee(q, patch.assignee));
    if (patch.tags !== undefined) change('tags', 'tags', JSON.stringify(this.#tags(patch.tags)));
    if (patch.resolutionNote !== undefined) {
      if (
        patch.resolutionNote !== null &&
        (typeof patch.resolutionNote !== 'string' || patch.resolutionNote.length > 10_000)
      ) {
        throw invalidField(
          '/resolutionNote',
          'resolutionNote must be a string of at most 10000 characters, or null',
        );
      }
      change('resolution_note', 'resolutionNote', patch.resolutionNote);
    }
    if (patch.contained !== undefined) {
      if (typeof patch.contained !== 'boolean')
        throw invalidField('/contained', 'contained must be true or false');
      change('contained_at', 'contained', patch.contained ? (row.contained_at ?? nowIso()) : null);
    }
    const status =
      patch.status === undefined ? (row.status as CaseStatus) : oneOf(CASE_STATUSES, patch.status, '/status');
    let resolution = row.resolution as Resolution | null;
    if (patch.resolution !== undefined)
      resolution = patch.resolution === null ? null : oneOf(RESOLUTIONS, patch.resolution, '/resolution');
    if (status === 'closed' && resolution === null) {
      throw invalidField(
        '/resolution',
        `closing a case needs a resolution: one of ${RESOLUTIONS.join(', ')}`,
      );
    }
    if (status === 'open')
      resolution = patch.resolution === undefined && row.status === 'closed' ? null : resolution;
    change('status', 'status', status);
    change('resolution', 'resolution', resolution);
    return { set, changes, status, resolution };
  }

  /** `commentId` makes the call idempotent: a second call with the same id returns the first comment. */
  async comment(id: string, body: unknown, actor: Actor, commentId?: string): Promise<CaseComment> {
    if (typeof body !== 'string' || body.trim() === '' || body.length > 50_000) {
      throw invalidField('/body', 'body must be a non-empty string of at most 50000 characters');
    }
    const written = await this.#db.transaction().execute(async (trx) => {
      const kase = await trx
        .selectFrom('cases')
        .select(['id', 'title', 'severity'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!kase) throw new RiposteError('not_found', `no case with id "${id}"`);
      if (commentId !== undefined) {
        const done = await trx
          .selectFrom('case_comments')
          .selectAll()
          .where('id', '=', commentId)
          .executeTakeFirst();
        if (done) {
          const again: CaseComment = {
            id: done.id,
            author: done.author,
            body: done.body,
            mentions: JSON.parse(done.mentions) as string[],
            createdAt: done.created_at,
          };
          return { comment: again, kase, fresh: false };
        }
      }
      const mentions = await mentionedUsers(trx, body);
      const comment: CaseComment = {
        id: commentId ?? newId('comment_'),
        author: actor.id,
        body,
        mentions,
        createdAt: nowIso(),
      };
      await trx
        .insertInto('case_comments')
        .values({
          id: comment.id,
          case_id: id,
          author: comment.author,
          body,
          mentions: JSON.stringify(mentions),
          created_at: comment.createdAt,
        })
        .execute();
      await trx.updateTable('cases').set({ updated_at: comment.createdAt }).where('id', '=', id).execute();
      await this.#audit.append(trx, [
        {
          actor,
          action: 'case.comment',
          targetType: 'case',
          targetId: id,
          details: { commentId: comment.id, mentions },
        },
      ]);
      return { comment, kase, fresh: true };
    });
    const { comment, kase, fresh } = written;
    if (fresh) this.#options.live?.publish({ type: 'case.changed', id });
    const mentioned = comment.mentions.filter((name) => name !== actor.id);
    if (fresh && mentioned.length > 0)
      this.#options.onMention?.({
        kind: 'mention',
        case: { id: kase.id, title: kase.title, severity: kase.severity },
        comment,
        mentioned,
        at: comment.createdAt,
      });
    return comment;
  }

  async #assignee(q: Kysely<DatabaseSchema>, value: unknown): Promise<string | null> {
    if (value === null) return null;
    if (typeof value !== 'string') throw invalidField('/assignee', 'assignee must be a username or null');
    const user = await q
      .selectFrom('users')
      .select('username')
      .where('username', '=', value)
      .where('disabled', '=', 0)
      .executeTakeFirst();
    if (!user) throw invalidField('/assignee', `no active user named "${value}"`);
    return user.username;
  }

  #tags(value: unknown): string[] {
    if (!Array.isArray(value) || value.length > 50)
      throw invalidField('/tags', 'tags must be a list of at most 50 strings');
    const tags = value.map((tag, i) => {
      if (typeof tag !== 'string' || !TAG.test(tag)) {
        throw invalidField(
          `/tags/${i}`,
          'a tag is 1–64 letters, digits or "_:./-", starting with a letter or digit',
        );
      }
      return tag;
    });
    return [...new Set(tags)].sort();
  }
}
