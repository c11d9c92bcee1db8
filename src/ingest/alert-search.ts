import type { Kysely } from 'kysely';
import type { Observable, ObservableType } from '../core/alert.ts';
import { canonicalObservable } from '../core/observable.ts';
import { RiposteError } from '../core/riposte-error.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import { analyzeEmail, type EmailAnalysis } from './email-analysis.ts';

export interface AlertSearchQuery {
  observables: { type: ObservableType; value: string }[];
  /** ISO time: only what was seen from then on. */
  since: string;
  excludeCaseId?: string;
  excludeFormats?: string[];
  limit: number;
}

export interface AlertSearchHit {
  id: string;
  case_id: string;
  title: string;
  source: string;
  format: string;
  category: string;
  severity: string;
  event_time: string;
  /** The searched values this alert names. */
  matched: { type: string; value: string }[];
  /** Who and what the alert involves: the hosts, addresses and users it names. */
  hosts: string[];
  users: string[];
}

export interface AlertSearchResult {
  searched: { type: string; value: string }[];
  /** Values that are not valid for their type (never stored, so never found). */
  invalid: { type: string; value: string }[];
  since: string;
  count: number;
  /** More alerts match than were returned, or more cases named a value than were read. */
  truncated: boolean;
  alerts: AlertSearchHit[];
  hosts: string[];
  users: string[];
}

/** Cases read per searched value, and alerts read per case: what keeps a search bounded. */
export const SEARCH_BOUNDS = { casesPerValue: 100, alertsPerCase: 200 } as const;

const key = (o: { type: string; value: string }) => `${o.type}\u0001${o.value}`;

/**
 * Stored alerts that name given values (a URL from a reported e-mail seen in a proxy alert, a domain
 * in a DNS alert). Index-backed: the case-observable index finds the cases that saw each value since
 * a time, the alerts-by-case index their newest alerts; every read is bounded (`SEARCH_BOUNDS`).
 */
export class AlertSearch {
  readonly #db: Kysely<DatabaseSchema>;

  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async search(query: AlertSearchQuery): Promise<AlertSearchResult> {
    const searched: { type: ObservableType; value: string }[] = [];
    const invalid: { type: string; value: string }[] = [];
    for (const o of query.observables) {
      const value = canonicalObservable(o.type, o.value);
      if (value === null) invalid.push(o);
      else if (!searched.some((s) => key(s) === key({ type: o.type, value })))
        searched.push({ type: o.type, value });
    }
    let truncated = false;
    const caseIds = new Set<string>();
    for (const o of searched) {
      const rows = await this.#db
        .selectFrom('case_observables')
        .select('case_id')
        .where('type', '=', o.type)
        .where('value', '=', o.value)
        .where('last_seen', '>=', query.since)
        .orderBy('last_seen', 'desc')
        .limit(SEARCH_BOUNDS.casesPerValue + 1)
        .execute();
      if (rows.length > SEARCH_BOUNDS.casesPerValue) truncated = true;
      for (const row of rows.slice(0, SEARCH_BOUNDS.casesPerValue))
        if (row.case_id !== query.excludeCaseId) caseIds.add(row.case_id);
    }
    const wanted = new Set(searched.map(key));
    const excluded = new Set(query.excludeFormats ?? []);
    const hits: AlertSearchHit[] = [];
    for (const caseId of caseIds) {
      const rows = await this.#db
        .selectFrom('alerts')
        .select(['id', 'case_id', 'title', 'source', 'format', 'category', 'severity', 'event_time'])
        .select('observables')
        .where('case_id', '=', caseId)
        .orderBy('id', 'desc')
        .limit(SEARCH_BOUNDS.alertsPerCase + 1)
        .execute();
      if (rows.length > SEARCH_BOUNDS.alertsPerCase) truncated = true;
      for (const row of rows.slice(0, SEARCH_BOUNDS.alertsPerCase)) {
        if (excluded.has(row.format) || row.event_time < query.since) continue;
        const observables = JSON.parse(row.observables) as Observable[];
        const matched = observables
          .filter((o) => wanted.has(key(o)))
          .map((o) => ({ type: o.type, value: o.value }));
        if (matched.length === 0) continue;
        const { observables: _drop, ...fields } = row;
        hits.push({
          ...fields,
          case_id: caseId,
          matched,
          hosts: valuesOf(observables, ['host', 'ipv4', 'ipv6']),
          users: valuesOf(observables, ['user']),
        });
      }
    }
    hits.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const alerts = hits.slice(0, query.limit);
    return {
      searched,
      invalid,
      since: query.since,
      count: alerts.length,
      truncated: truncated || hits.length > query.limit,
      alerts,
      hosts: [...new Set(alerts.flatMap((a) => a.hosts))],
      users: [...new Set(alerts.flatMap((a) => a.users))],
    };
  }

  /** The header, link and attachment analysis of a stored e-mail alert. */
  async emailAnalysis(alertId: string): Promise<EmailAnalysis> {
    const row = await this.#db
      .selectFrom('alerts')
      .select(['format', 'raw'])
      .where('id', '=', alertId)
      .executeTakeFirst();
    if (!row) throw new RiposteError('not_found', `no alert with id "${alertId}"`);
    const raw = JSON.parse(row.raw) as unknown;
    if (row.format !== 'email' || typeof raw !== 'string')
      throw new RiposteError('validation_failed', `alert ${alertId} is not an e-mail (format ${row.format})`);
    return analyzeEmail(raw);
  }
}

function valuesOf(observables: Observable[], types: ObservableType[]): string[] {
  return [...new Set(observables.filter((o) => types.includes(o.type)).map((o) => o.value))];
}
