import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { nowIso } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import { RiposteError, invalidField } from '../core/riposte-error.ts';
import type { DatabaseSchema, SavedViewTable } from '../store/schema.ts';

export const VIEW_PAGES = ['alerts', 'cases'] as const;
export type ViewPage = (typeof VIEW_PAGES)[number];

export interface SavedView {
  id: string;
  name: string;
  page: ViewPage;
  /** The list's query string (`severity=high&source=ids`), without a cursor. */
  query: string;
  owner: string;
  shared: boolean;
  createdAt: string;
}

/** Who asks: the owner name saved views are kept under, and whether they may delete anyone's. */
export interface ViewViewer {
  owner: string;
  admin: boolean;
  actor: Actor;
}

const MAX_VIEWS_PER_OWNER = 200;

function toView(row: SavedViewTable): SavedView {
  return {
    id: row.id,
    name: row.name,
    page: row.page as ViewPage,
    query: row.query,
    owner: row.owner,
    shared: row.shared === 1,
    createdAt: row.created_at,
  };
}

/** A list's filters as a query string: parsed, pagination dropped, re-encoded so every view looks alike. */
export function normalizeQuery(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length > 2000)
    throw invalidField('/query', 'query must be a query string of at most 2000 characters');
  const params = new URLSearchParams(raw.startsWith('?') ? raw.slice(1) : raw);
  const kept = new URLSearchParams();
  for (const [key, value] of params) if (key !== 'cursor' && value !== '') kept.append(key, value);
  return kept.toString();
}

/**
 * Saved views of the alert queue and the case list: a name, the page, the filter query, its owner,
 * and whether everyone sees it. Owners delete their own; admins delete any.
 */
export class SavedViews {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #audit: AuditLog;

  constructor(db: Kysely<DatabaseSchema>, audit: AuditLog) {
    this.#db = db;
    this.#audit = audit;
  }

  /** Mine and the shared ones, by name. */
  async list(viewer: ViewViewer, page?: string): Promise<SavedView[]> {
    let query = this.#db
      .selectFrom('saved_views')
      .selectAll()
      .where((eb) => eb.or([eb('owner', '=', viewer.owner), eb('shared', '=', 1)]));
    if (page !== undefined) query = query.where('page', '=', this.#page(page));
    const rows = await query.orderBy('name').orderBy('id').limit(1000).execute();
    return rows.map(toView);
  }

  async create(
    input: { name?: unknown; page?: unknown; query?: unknown; shared?: unknown },
    viewer: ViewViewer,
  ): Promise<SavedView> {
    if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > 100)
      throw invalidField('/name', 'name must be a non-empty string of at most 100 characters');
    if (input.shared !== undefined && typeof input.shared !== 'boolean')
      throw invalidField('/shared', 'shared must be true or false');
    const row: SavedViewTable = {
      id: newId('view_'),
      name: input.name.trim(),
      page: this.#page(input.page),
      query: normalizeQuery(input.query ?? ''),
      owner: viewer.owner,
      shared: input.shared ? 1 : 0,
      created_at: nowIso(),
    };
    await this.#db.transaction().execute(async (trx) => {
      const { n } = await trx
        .selectFrom('saved_views')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('owner', '=', viewer.owner)
        .executeTakeFirstOrThrow();
      if (Number(n) >= MAX_VIEWS_PER_OWNER)
        throw new RiposteError(
          'invalid_state',
          `you have ${MAX_VIEWS_PER_OWNER} saved views; delete some first`,
        );
      const taken = await trx
        .selectFrom('saved_views')
        .select('id')
        .where('owner', '=', viewer.owner)
        .where('page', '=', row.page)
        .where('name', '=', row.name)
        .executeTakeFirst();
      if (taken)
        throw new RiposteError('conflict', `you already have a view named "${row.name}" on ${row.page}`, {
          path: '/name',
        });
      await trx.insertInto('saved_views').values(row).execute();
      await this.#audit.append(trx, [
        {
          actor: viewer.actor,
          action: 'view.create',
          targetType: 'view',
          targetId: row.id,
          details: { name: row.name, page: row.page, query: row.query, shared: row.shared === 1 },
        },
      ]);
    });
    return toView(row);
  }

  async delete(id: string, viewer: ViewViewer): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('saved_views').selectAll().where('id', '=', id).executeTakeFirst();
      // Someone else's private view does not exist as far as this person can tell.
      if (!row || (row.owner !== viewer.owner && row.shared !== 1 && !viewer.admin))
        throw new RiposteError('not_found', `no saved view with id "${id}"`);
      if (row.owner !== viewer.owner && !viewer.admin)
        throw new RiposteError('forbidden', `only ${row.owner} or an admin can delete this view`);
      await trx.deleteFrom('saved_views').where('id', '=', id).execute();
      await this.#audit.append(trx, [
        {
          actor: viewer.actor,
          action: 'view.delete',
          targetType: 'view',
          targetId: id,
          details: { name: row.name, page: row.page, owner: row.owner },
        },
      ]);
    });
  }

  #page(value: unknown): ViewPage {
    if (typeof value !== 'string' || !(VIEW_PAGES as readonly string[]).includes(value))
      throw invalidField('/page', `page must be one of: ${VIEW_PAGES.join(', ')}`);
    return value as ViewPage;
  }
}
