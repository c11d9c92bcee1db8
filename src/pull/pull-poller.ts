import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { ActionError } from '../core/action.ts';
import { nowMs } from '../core/clock.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { integrationContext } from '../connections/integration-actions.ts';
import { withoutCredentials, type InstanceStore } from '../connections/instance-store.ts';
import type { IngestService } from '../ingest/ingest-service.ts';
import { limitWait } from '../ingest/source-alert-limit.ts';
import type { OutboundHttp } from '../integrations/http/outbound-http.ts';
import type { Source, SourceService } from '../sources/source-service.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import { backoffSeconds } from './pull-backoff.ts';
import { PullCounts } from './pull-counts.ts';
import { ingestPage } from './ingest-page.ts';
import {
  pullFormats,
  pullOptions,
  type PullFormat,
  type PullOptions,
  type PullTarget,
} from './pull-options.ts';
import { PullStateStore, type PullRow } from './pull-state-store.ts';
import { pullView, type PullView } from './pull-view.ts';

/** What one poll of one source did. */
export interface PullPoll {
  source: string;
  pages: number;
  records: number;
  stored: number;
  duplicates: number;
  rejected: number;
  /** Pages were left: the source is polled again at once. */
  more: boolean;
  /** Why the poll failed (the position stays after the last committed page); null when it did not. */
  error: string | null;
  /**
   * The source had sent its alert limit: the page read last was not stored, the position stays after
   * the last committed page, and the next poll comes after this many seconds; null when it had not.
   */
  limitedForSeconds: number | null;
}

export interface PullPollerOptions {
  db: Kysely<DatabaseSchema>;
  audit: AuditLog;
  sources: SourceService;
  ingest: IngestService;
  instances: InstanceStore;
  http: OutboundHttp;
  /** What can be pulled, by format (integrations registered later count too). */
  targets: () => ReadonlyMap<string, PullTarget>;
  onError: (error: unknown, message: string) => void;
}

type Pulled = PullOptions & PullTarget;

/** Pages one poll reads before it lets go of the source (and takes it again at once if more are left). */
const MAX_PAGES_PER_POLL = 20;
/** A claimed source is due again this long after the claim (or the last page) if its poller dies. */
const LEASE_MS = 5 * 60_000;
/** Errors that more time will not cure without someone changing the instance: re-read it before the next poll. */
const CONFIGURATION_ERRORS = new Set(['unauthorized', 'not_configured', 'not_found']);

const iso = (ms: number) => new Date(ms).toISOString();
const lease = () => iso(nowMs() + LEASE_MS);

/**
 * Sources that pull their alerts from a vendor's API (`options.pull`). Every process that runs a
 * worker looks on its clock for sources due; of several processes one polls a source at a time (a
 * claim on its row). A poll reads page after page from the stored position, hands each page to the
 * same pipeline as `POST /api/v1/sources/{name}/alerts` (normalizer, dedup, grouping, triggers;
 * audited as `pull:<source>`), and only then stores the position after it: a crash between the two
 * reads the page again, and dedup counts it instead of storing it twice. A failed poll leaves the
 * position, is logged and recorded on the row, and is tried again later and later (pull-backoff.ts).
 */
export class PullPoller {
  readonly #options: PullPollerOptions;
  readonly #store: PullStateStore;
  /** Polls under way in this process, by source. */
  readonly #running = new Map<string, Promise<PullPoll[]>>();
  readonly #aborts = new Set<AbortController>();
  #scanning: Promise<unknown> | undefined;
  #closed = false;
  /** Polls and records by source and outcome, since this process started (for /metrics). */
  readonly counts = new PullCounts();

  constructor(options: PullPollerOptions) {
    this.#options = options;
    this.#store = new PullStateStore(options.db);
  }

  get store(): PullStateStore {
    return this.#store;
  }

  /** The formats a source can pull, with the settings each takes (for the console's form). */
  formats(): PullFormat[] {
    return pullFormats(this.#options.targets());
  }

  /** The worker clock's call: starts the polls that are due, in the background, and returns. */
  startDue(): void {
    if (this.#closed || this.#scanning) return;
    this.#scanning = this.#scan()
      .catch((error: unknown) => this.#options.onError(error, 'looking for pulled sources due failed'))
      .finally(() => (this.#scanning = undefined));
  }

  /** Polls every due source now and waits for the polls (tests; `startDue` does the same in the background). */
  async pollDue(): Promise<PullPoll[]> {
    while (this.#scanning) await this.#scanning;
    const started = await this.#scan();
    return (await Promise.all(started)).flat();
  }

  /** Waits for the look and the polls under way in this process (those the clock started too). */
  async settled(): Promise<void> {
    while (this.#scanning || this.#running.size > 0)
      await Promise.all([this.#scanning, ...this.#running.values()]);
  }

  /** Makes a pulled source due now (a poll under way is left to finish); audited as `source.pull_now`. */
  async pollNow(source: Source, actor: Actor): Promise<void> {
    if (!this.pulled(source))
      throw new RiposteError('conflict', `source "${source.name}" is not pulled (it has no options.pull)`);
    await this.#options.db.transaction().execute(async (trx) => {
      // A source no worker has looked at yet has no row: the next look finds it due anyway.
      const moved = await this.#store.dueBy(source.name, iso(nowMs()), trx);
      await this.#options.audit.append(trx, [
        { actor, action: 'source.pull_now', targetType: 'source', targetId: source.name, details: { moved } },
      ]);
    });
  }

  /** The source's pull settings, or null when it is not pulled (or its stored options no longer check). */
  pulled(source: Source): Pulled | null {
    try {
      return pullOptions(source.format, source.options, this.#options.targets());
    } catch {
      return null; // checked when the source was saved; a hand-edited row is not polled
    }
  }

  /**
   * Checks a source's `options.pull` before it is saved (create, PATCH): the shape and ranges, a
   * format some integration pulls, and an instance of that integration that exists.
   */
  async checkOptions(format: string, options: Readonly<Record<string, unknown>>): Promise<void> {
    const pulled = pullOptions(format, options, this.#options.targets());
    if (!pulled) return;
    const id = pulled.integration.id;
    const known = await this.#options.instances.list(pulled.integration);
    if (!known.some((i) => i.name === pulled.instance))
      throw new RiposteError(
        'validation_failed',
        `options.pull.instance: the ${id} integration has no instance "${pulled.instance}"${
          known.length > 0 ? ` (it has ${known.map((i) => `"${i.name}"`).join(', ')})` : ''
        }; configure one with PUT /api/v1/integrations/${id}/instances/${pulled.instance}`,
        { path: '/options/pull/instance' },
      );
  }

  /** How each pulled source stands, by name (sources that are not pulled are left out). */
  async views(sources: readonly Source[]): Promise<Map<string, PullView>> {
    const rows = new Map((await this.#store.rows()).map((r) => [r.source, r]));
    const views = new Map<string, PullView>();
    for (const source of sources) {
      const pulled = this.pulled(source);
      if (pulled) views.set(source.name, pullView(pulled, rows.get(source.name)));
    }
    return views;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const abort of this.#aborts) abort.abort();
    await this.#scanning;
    await Promise.all([...this.#running.values()]);
  }

  /** Makes sure every pulled source has its row, and starts a poll of each that is due. */
  async #scan(): Promise<Promise<PullPoll[]>[]> {
    if (this.#closed) return [];
    const rows = new Map((await this.#store.rows()).map((r) => [r.source, r]));
    const started: Promise<PullPoll[]>[] = [];
    const now = nowMs();
    for (const source of await this.#options.sources.list()) {
      const pulled = this.pulled(source);
      if (!pulled) continue;
      let row = rows.get(source.name);
      if (!row || row.integration !== pulled.integration.id || row.instance !== pulled.instance) {
        await this.#store.ensure(source.name, pulled.integration.id, pulled.instance, row);
        row = await this.#store.row(source.name);
        if (!row) continue;
      }
      // A source given a shorter interval is not left waiting out the longer one.
      const soonest = iso(now + pulled.everySeconds * 1000);
      if (row.claim === null && row.failures === 0 && row.next_poll_at > soonest)
        await this.#store.dueBy(source.name, soonest);
      if (row.next_poll_at > iso(nowMs()) || this.#running.has(source.name)) continue;
      const run = this.#run(source, row).finally(() => this.#running.delete(source.name));
      this.#running.set(source.name, run);
      started.push(run);
    }
    return started;
  }

  /** Polls a source while it has pages waiting (each poll claims it anew). */
  async #run(source: Source, first: PullRow): Promise<PullPoll[]> {
    const polls: PullPoll[] = [];
    let row: PullRow | undefined = first;
    while (row && !this.#closed) {
      const poll = await this.#pollClaimed(source, row);
      if (!poll) break;
      polls.push(poll);
      if (!poll.more) break;
      row = await this.#store.row(source.name);
    }
    return polls;
  }

  async #pollClaimed(source: Source, row: PullRow): Promise<PullPoll | null> {
    const pulled = this.pulled(source);
    const claim = randomUUID();
    if (!pulled || !(await this.#store.claim(row, claim, lease()))) return null;
    const poll: PullPoll = {
      source: source.name,
      pages: 0,
      records: 0,
      stored: 0,
      duplicates: 0,
      rejected: 0,
      more: false,
      error: null,
      limitedForSeconds: null,
    };
    const abort = new AbortController();
    this.#aborts.add(abort);
    try {
      poll.more = await this.#pages(source, pulled, row, claim, poll, abort.signal);
      if (this.#closed) await this.#store.release(source.name, claim);
      else {
        const next =
          poll.limitedForSeconds !== null
            ? nowMs() + poll.limitedForSeconds * 1000
            : poll.more
              ? nowMs()
              : nowMs() + pulled.everySeconds * 1000;
        await this.#store.finish(source.name, claim, { ok: true, nextPollAt: iso(next) });
        this.counts.poll(source.name, 'ok');
      }
    } catch (error) {
      poll.more = false;
      if (this.#closed) await this.#store.release(source.name, claim).catch(() => undefined);
      else await this.#failed(source, pulled, row, claim, poll, error);
    } finally {
      this.#aborts.delete(abort);
    }
    return poll;
  }

  /** Reads and commits pages; true when pages were left. */
  async #pages(
    source: Source,
    pulled: Pulled,
    row: PullRow,
    claim: string,
    poll: PullPoll,
    signal: AbortSignal,
  ): Promise<boolean> {
    const { integration, feed } = pulled;
    const instance = await this.#options.instances.resolve(integration, pulled.instance);
    const context = integrationContext(
      integration,
      instance,
      { http: this.#options.http },
      { idempotencyKey: `pull:${source.name}`, attempt: 1, signal },
    );
    const request = {
      startAt: iso(nowMs() - pulled.lookbackSeconds * 1000),
      pageSize: pulled.pageSize,
      overlapSeconds: pulled.overlapSeconds,
      filter: pulled.filter,
      baseUrl: instance.fields['base_url'] ?? integration.baseUrl,
    };
    let cursor: unknown = parseCursor(row.cursor);
    for (let page = 0; page < MAX_PAGES_PER_POLL; page++) {
      if (this.#closed) return true;
      const read = await feed.fetchPage(context, { ...request, cursor });
      let counts;
      try {
        counts = await ingestPage(this.#options.ingest, source, read.records, this.#options.onError);
      } catch (error) {
        // Over the source's alert limit: not a failure; the page is read again once it may be stored.
        const wait = limitWait(error);
        if (wait === undefined) throw error;
        poll.limitedForSeconds = wait;
        return false;
      }
      this.counts.record(source.name, counts);
      // The position moves only now, after the page's alerts are committed.
      if (!(await this.#store.savePage(source.name, claim, read.cursor, counts, lease()))) return false;
      cursor = read.cursor;
      poll.pages++;
      poll.records += counts.records;
      poll.stored += counts.stored;
      poll.duplicates += counts.duplicates;
      poll.rejected += counts.rejected;
      if (!read.more) return false;
    }
    return true;
  }

  async #failed(
    source: Source,
    pulled: Pulled,
    row: PullRow,
    claim: string,
    poll: PullPoll,
    error: unknown,
  ): Promise<void> {
    const instance = { integration: pulled.integration.id, name: pulled.instance, fields: {} };
    const resolved = await this.#options.instances
      .resolve(pulled.integration, pulled.instance)
      .catch(() => instance);
    const message = withoutCredentials(
      error instanceof Error ? error.message : String(error),
      pulled.integration,
      resolved,
    );
    poll.error = message;
    const failures = Number(row.failures) + 1;
    const retryAfterMs = error instanceof ActionError ? error.retryAfterMs : undefined;
    const delay = backoffSeconds(pulled.everySeconds, failures, retryAfterMs);
    this.counts.poll(source.name, 'failed');
    // Credentials fixed in another process reach this one through a fresh read of the instance.
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && CONFIGURATION_ERRORS.has(code)) this.#options.instances.forget();
    try {
      await this.#store.finish(source.name, claim, {
        ok: false,
        error: message,
        nextPollAt: iso(nowMs() + delay * 1000),
      });
    } finally {
      this.#options.onError(
        error,
        `pulling source ${source.name} from ${pulled.integration.id} instance ${pulled.instance} failed (${failures} in a row); the position stays, next try in ${delay} s`,
      );
    }
  }
}

/** A stored position; one Riposte cannot read starts the source over (dedup counts what it reads again). */
function parseCursor(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
