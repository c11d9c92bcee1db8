import { sql, type Kysely } from 'kysely';
import type { Alert, AlertStatus, MitreRef, Observable, Severity } from '../core/alert.ts';
import { SEVERITIES, SEVERITY_ID } from '../core/alert.ts';
import { idFloor } from '../core/ids.ts';
import { RiposteError, invalidField } from '../core/riposte-error.ts';
import { searchCondition } from '../cases/case-derived-state.ts';
import { decodeCursor, parseLimit, toPage, type Page } from '../store/cursor.ts';
import type { Dialect } from '../store/database.ts';
import type { AlertTable, DatabaseSchema } from '../store/schema.ts';

export function toAlert(row: AlertTable): Alert {
  return alertOf(row, rawOf(row));
}

/**
 * The alert with `raw` left `null`, for a caller that knows it will not read it (playbook triggers
 * that never name `alert.raw`): the raw event is the largest column to parse. `rawOf` gives it later.
 */
export function toAlertWithoutRaw(row: AlertTable): Alert {
  return alertOf(row, null);
}

export function rawOf(row: AlertTable): unknown {
  return JSON.parse(row.raw) as unknown;
}

/**
 * Where a row object keeps its parsed observables. A property of the row, not a WeakMap entry: every
 * alert ingested would be an entry, and a WeakMap that large makes each full garbage collection's
 * ephemeron marking long (see docs/benchmarks.md, the engine's latency).
 */
const PARSED_OBSERVABLES = Symbol('parsedObservables');
type RowWithObservables = AlertTable & { [PARSED_OBSERVABLES]?: Observable[] };

/**
 * The row's observables, parsed once per row object: ingest reads them to group the alert and again
 * to match the playbook triggers, from the same row. Callers only read the list.
 */
export function observablesOf(row: AlertTable): Observable[] {
  const carrier = row as RowWithObservables;
  let observables = carrier[PARSED_OBSERVABLES];
  if (observables === undefined) {
    observables = JSON.parse(row.observables) as Observable[];
    carrier[PARSED_OBSERVABLES] = observables;
  }
  return observables;
}

function alertOf(row: AlertTable, raw: unknown): Alert {
  return {
    id: row.id,
    source: row.source,
    format: row.format,
    ...(row.source_ref === null ? {} : { sourceRef: row.source_ref }),
    title: row.title,
    ...(row.description === null ? {} : { description: row.description }),
    severity: row.severity as Severity,
    category: row.category,
    rule:
      row.rule_id === null && row.rule_name === null
        ? null
        : {
            ...(row.rule_id === null ? {} : { id: row.rule_id }),
            ...(row.rule_name === null ? {} : { name: row.rule_name }),
          },
    eventTime: row.event_time,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    count: Number(row.count),
    observables: observablesOf(row),
    mitre: JSON.parse(row.mitre) as MitreRef[],
    caseId: row.case_id,
    status: row.status as AlertStatus,
    fingerprint: row.fingerprint,
    createdAt: row.created_at,
    raw,
  };
}

export interface AlertFilter {
  source?: string;
  severity?: string;
  status?: string;
  caseId?: string;
  /** The detection rule: its id, or its name when it has no id. */
  rule?: string;
  /** `true`: only alerts in a case; `false`: only those not grouped yet (or left without one). */
  hasCase?: string;
  /** Words that must all appear in the alert's title, rule name or observables. */
  q?: string;
  /** Received at or after / before (ISO 8601). */
  from?: string;
  to?: string;
  cursor?: string;
  limit?: unknown;
}

/** The rule an alert is filed under: written exactly as in the `alerts_rule` index (migration 0008). */
export const ALERT_RULE = sql<string>`coalesce(rule_id, rule_name)`;

function instant(value: string, path: string): number {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms))
    throw invalidField(path, `${path.slice(1)} must be an ISO 8601 date-time (2026-11-30T08:00:00Z)`);
  return ms;
}

/** `%`, `_` and `\` taken literally in a LIKE pattern (with ESCAPE '\'). */
function likePattern(word: string): string {
  return `%${word.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Search documents matched past which a text search walks the alerts instead of collecting them. */
const COMMON_MATCHES = 300;

function queryWords(q: string): string[] {
  if (q.length > 200) throw invalidField('/q', 'q may have at most 200 characters');
  return q
    .split(/\s+/)
    .filter((w) => w !== '')
    .slice(0, 8);
}

function selectAlerts(db: Kysely<DatabaseSchema>) {
  return db.selectFrom('alerts').selectAll();
}

type AlertSelect = ReturnType<typeof selectAlerts>;

/** Read side of alerts: list newest first with filters, get one. */
export class AlertQuery {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #dialect: Dialect;

  constructor(db: Kysely<DatabaseSchema>, dialect: Dialect = 'sqlite') {
    this.#db = db;
    this.#dialect = dialect;
  }

  async list(filter: AlertFilter): Promise<Page<Alert>> {
    const limit = parseLimit(filter.limit);
    const cursor = decodeCursor(filter.cursor);
    let query = selectAlerts(this.#db);
    if (filter.source) query = query.where('source', '=', filter.source);
    if (filter.severity) {
      if (!(SEVERITIES as readonly string[]).includes(filter.severity)) {
        throw new RiposteError('validation_failed', `severity must be one of: ${SEVERITIES.join(', ')}`, {
          path: 'severity',
        });
      }
      // The index is on severity_id (alerts_severity), which always moves with severity.
      query = query.where('severity_id', '=', SEVERITY_ID[filter.severity as Severity]);
    }
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.caseId) query = query.where('case_id', '=', filter.caseId);
    if (filter.rule) query = query.where(ALERT_RULE, '=', filter.rule);
    if (filter.hasCase === 'true') query = query.where('case_id', 'is not', null);
    else if (filter.hasCase === 'false') query = query.where('case_id', 'is', null);
    else if (filter.hasCase !== undefined && filter.hasCase !== '')
      throw invalidField('/hasCase', 'hasCase must be true or false');
    // Ids are time-ordered (created_at is when the alert was stored): a time range is an id range.
    if (filter.from) query = query.where('id', '>=', idFloor('alert_', instant(filter.from, '/from')));
    if (filter.to) query = query.where('id', '<', idFloor('alert_', instant(filter.to, '/to')));
    if (filter.q && filter.q.trim() !== '') query = this.#text(query, filter.q, await this.#common(filter.q));
    if (cursor) query = query.where('id', '<', cursor);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const page = toPage(rows, limit);
    return { items: page.items.map(toAlert), nextCursor: page.nextCursor };
  }

  /**
   * Text search through the case search index (full-text over each case's title, tags and observable
   * values), then each word checked on the alert itself: the index narrows to the cases that name a
   * word, the check keeps the alerts that name them all. Alerts not grouped yet are not found, nor
   * those whose case's document names none of the words (words only in the title of an alert that
   * joined a case opened by another).
   */
  #text<Q extends AlertSelect>(query: Q, q: string, common: boolean): Q {
    const words = queryWords(q);
    // A common word: the candidate cases are kept as a set to test each alert against (`+case_id`
    // keeps SQLite off `alerts_case`), and the alerts are walked newest first by primary key, stopping
    // at the page size — rather than collecting every alert of thousands of cases and sorting them.
    const caseId = common ? sql<string>`+case_id` : sql<string>`case_id`;
    // A case's document is several rows (parts), so each word is looked up on its own: cases with any
    // of the words are the candidates, and the row check below wants all of them in the alert.
    let narrowed = query.where((eb) =>
      eb.or(
        words.map((word) =>
          eb(
            caseId,
            'in',
            eb.selectFrom('cases').select('cases.id').where(searchCondition(this.#dialect, word)),
          ),
        ),
      ),
    ) as Q;
    for (const word of words) {
      const pattern = likePattern(word);
      narrowed = narrowed.where(
        sql<boolean>`(lower(title) LIKE ${pattern} ESCAPE '\\' OR lower(observables) LIKE ${pattern} ESCAPE '\\' OR lower(coalesce(rule_name, '')) LIKE ${pattern} ESCAPE '\\')`,
      ) as Q;
    }
    return narrowed;
  }

  /**
   * Whether the words name many cases, on SQLite: the full-text matches are counted up to a bound
   * (cheap whatever the word), and past it the alerts are better walked newest first than collected.
   * PostgreSQL plans the same query well either way.
   */
  async #common(q: string): Promise<boolean> {
    if (this.#dialect !== 'sqlite') return false;
    let matches = 0;
    for (const word of queryWords(q)) {
      const terms = word.split(/[^\p{L}\p{N}]+/u).filter((t) => t !== '');
      if (terms.length === 0) continue;
      const phrase = terms.map((t) => `"${t}"`).join(' ');
      const row = await sql<{ n: number }>`SELECT count(*) AS n FROM (SELECT 1 FROM case_search_fts
        WHERE case_search_fts MATCH ${phrase} LIMIT ${COMMON_MATCHES})`.execute(this.#db);
      matches += Number(row.rows[0]?.n ?? 0);
      if (matches >= COMMON_MATCHES) return true;
    }
    return false;
  }

  async get(id: string): Promise<Alert> {
    const row = await this.#db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new RiposteError('not_found', `no alert with id "${id}"`);
    return toAlert(row);
  }
}
