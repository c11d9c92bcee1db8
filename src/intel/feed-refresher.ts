import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { nowDate } from '../core/clock.ts';
import { RiposteError } from '../core/riposte-error.ts';
import type { OutboundHttp } from '../integrations/http/outbound-http.ts';
import type { DatabaseSchema, IntelFeedTable } from '../store/schema.ts';
import { formatDuration, parseDuration } from './duration.ts';
import { INTEL_FORMATS, isIntelFormat } from './indicator.ts';
import { checkSourceName, DEFAULT_TTL, type ImportResult, type IntelService } from './intel-service.ts';

export interface FeedInput {
  url: string;
  format: string;
  /** `6h`: how often to fetch it. */
  every: string;
  /** `30d`: how long its indicators stay live without being listed again. */
  ttl?: string;
  partial?: boolean;
}

export interface FeedView {
  name: string;
  url: string;
  format: string;
  every: string;
  ttl: string;
  partial: boolean;
  nextAt: string;
  updatedAt: string;
  updatedBy: string;
  last: { at: string; status: string; error: string | null; count: number | null } | null;
}

export interface FeedRefresh {
  name: string;
  status: 'ok' | 'failed';
  count: number | null;
  error: string | null;
}

const EVERY_BOUNDS = { min: 5 * 60, max: 30 * 86_400 };
const TTL_BOUNDS = { min: 60, max: 365 * 86_400 };
const FETCH_TIMEOUT_MS = 60_000;

function toView(row: IntelFeedTable): FeedView {
  return {
    name: row.name,
    url: row.url,
    format: row.format,
    every: formatDuration(Number(row.every_seconds)),
    ttl: formatDuration(Number(row.ttl_seconds)),
    partial: Number(row.partial) === 1,
    nextAt: row.next_at,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
    last:
      row.last_run_at === null
        ? null
        : {
            at: row.last_run_at,
            status: row.last_status ?? 'failed',
            error: row.last_error,
            count: row.last_count === null ? null : Number(row.last_count),
          },
  };
}

/** What went wrong, in one line for the feed list: the first malformed records of a rejected file. */
function describeFailure(error: unknown): string {
  if (error instanceof RiposteError && error.code === 'invalid_intel_file') {
    const list =
      (error.extra?.['errors'] as { record: string; field: string; problem: string }[] | undefined) ?? [];
    const first = list
      .slice(0, 3)
      .map((e) => `${e.record} ${e.field}: ${e.problem}`)
      .join('; ');
    return `${error.message}${first ? ` — ${first}` : ''}`.slice(0, 2000);
  }
  return (error instanceof Error ? error.message : String(error)).slice(0, 2000);
}

/**
 * Scheduled feeds: each is fetched through the outbound HTTP client (so the SSRF guard, size cap and
 * retries apply) when it is due, and imported as the source named after the feed. The worker calls
 * `refreshDue`; moving next_at before fetching means two workers never fetch the same feed twice.
 */
export class FeedRefresher {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #audit: AuditLog;
  readonly #intel: IntelService;
  readonly #http: OutboundHttp;

  constructor(db: Kysely<DatabaseSchema>, audit: AuditLog, intel: IntelService, http: OutboundHttp) {
    this.#db = db;
    this.#audit = audit;
    this.#intel = intel;
    this.#http = http;
  }

  async put(name: string, input: FeedInput, actor: Actor, now = nowDate()): Promise<FeedView> {
    checkSourceName(name, 'name');
    const url = typeof input.url === 'string' ? URL.parse(input.url) : null;
    if (!url || !/^https?:$/.test(url.protocol))
      throw new RiposteError('validation_failed', 'url must be an http(s) URL', { path: 'url' });
    if (typeof input.format !== 'string' || !isIntelFormat(input.format))
      throw new RiposteError('validation_failed', `format must be one of ${INTEL_FORMATS.join(', ')}`, {
        path: 'format',
      });
    if (input.partial !== undefined && typeof input.partial !== 'boolean')
      throw new RiposteError('validation_failed', 'partial must be true or false', { path: 'partial' });
    const every = parseDuration(input.every, 'every', EVERY_BOUNDS);
    const ttl = parseDuration(input.ttl ?? DEFAULT_TTL, 'ttl', TTL_BOUNDS);
    if (ttl < every)
      throw new RiposteError(
        'validation_failed',
        `ttl (${formatDuration(ttl)}) must be at least every (${formatDuration(every)}), or indicators expire between refreshes`,
        { path: 'ttl' },
      );
    const at = now.toISOString();
    const row = {
      name,
      url: url.toString(),
      format: input.format,
      every_seconds: every,
      ttl_seconds: ttl,
      partial: input.partial ? 1 : 0,
      next_at: at,
      created_at: at,
      updated_at: at,
      updated_by: actor.id,
      last_run_at: null,
      last_status: null,
      last_error: null,
      last_count: null,
    };
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .insertInto('intel_feeds')
        .values(row)
        .onConflict((oc) =>
          oc.column('name').doUpdateSet({
            url: row.url,
            format: row.format,
            every_seconds: row.every_seconds,
            ttl_seconds: row.ttl_seconds,
            partial: row.partial,
            next_at: row.next_at,
            updated_at: row.updated_at,
            updated_by: row.updated_by,
          }),
        )
        .execute();
      // The URL may carry a key in its query string: the audit row names the host only.
      await this.#audit.append(
        trx,
        [
          {
            actor,
            action: 'intel.feed.put',
            targetType: 'intel_feed',
            targetId: name,
            details: { host: url.host, format: row.format, every: input.every, ttl: formatDuration(ttl) },
          },
        ],
        at,
      );
    });
    return this.get(name);
  }

  async get(name: string): Promise<FeedView> {
    const row = await this.#db
      .selectFrom('intel_feeds')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) throw new RiposteError('not_found', `no feed named ${JSON.stringify(name)}`, { path: 'name' });
    return toView(row);
  }

  async list(): Promise<FeedView[]> {
    return (await this.#db.selectFrom('intel_feeds').selectAll().orderBy('name').execute()).map(toView);
  }

  async delete(name: string, actor: Actor): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('intel_feeds').where('name', '=', name).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0)
        throw new RiposteError('not_found', `no feed named ${JSON.stringify(name)}`, { path: 'name' });
      await this.#audit.append(trx, [
        { actor, action: 'intel.feed.delete', targetType: 'intel_feed', targetId: name },
      ]);
    });
  }

  /** Fetches and imports every feed whose time has come; one failing feed does not stop the others. */
  async refreshDue(now = nowDate()): Promise<FeedRefresh[]> {
    const at = now.toISOString();
    const due = await this.#db
      .selectFrom('intel_feeds')
      .selectAll()
      .where('next_at', '<=', at)
      .orderBy('next_at')
      .execute();
    const done: FeedRefresh[] = [];
    for (const feed of due) {
      const claimed = await this.#db
        .updateTable('intel_feeds')
        .set({ next_at: new Date(now.getTime() + Number(feed.every_seconds) * 1000).toISOString() })
        .where('name', '=', feed.name)
        .where('next_at', '=', feed.next_at)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue;
      done.push(await this.#refresh(feed, now));
    }
    return done;
  }

  async #refresh(feed: IntelFeedTable, now: Date): Promise<FeedRefresh> {
    let outcome: FeedRefresh;
    try {
      const result = await this.#import(feed, now);
      outcome = { name: feed.name, status: 'ok', count: result.indicators, error: null };
    } catch (error) {
      outcome = { name: feed.name, status: 'failed', count: null, error: describeFailure(error) };
    }
    await this.#db
      .updateTable('intel_feeds')
      .set({
        last_run_at: now.toISOString(),
        last_status: outcome.status,
        last_error: outcome.error,
        last_count: outcome.count,
      })
      .where('name', '=', feed.name)
      .execute();
    return outcome;
  }

  async #import(feed: IntelFeedTable, now: Date): Promise<ImportResult> {
    const client = this.#http.client({
      baseUrl: feed.url,
      auth: { kind: 'none' },
      fields: {},
      timeoutMs: FETCH_TIMEOUT_MS,
    });
    const response = await client.request({ path: feed.url, headers: { accept: '*/*' } });
    return this.#intel.import(
      response.text(),
      {
        format: feed.format,
        source: feed.name,
        ttl: formatDuration(Number(feed.ttl_seconds)),
        partial: Number(feed.partial) === 1,
        now,
      },
      { id: `feed:${feed.name}`, type: 'system' },
    );
  }
}
