import { sql, type Transaction } from 'kysely';
import type { GroupingRule } from '../config.ts';
import { SEVERITY_ID, type Observable, type Severity } from '../core/alert.ts';
import { chunks } from '../core/chunks.ts';
import { newId } from '../core/ids.ts';
import type { AuditEntry } from '../audit/audit-log.ts';
import { insertRows } from '../store/bulk-insert.ts';
import type { Dialect } from '../store/database.ts';
import type { AlertTable, CaseSearchTable, CaseTable, DatabaseSchema } from '../store/schema.ts';
import type { CaseChange } from './case-change.ts';
import { observableKey, primaryEntity, ruleKey } from './case-keys.ts';
import {
  lookupAssets,
  MAX_DOCUMENT_VALUES,
  moreCritical,
  refreshPriority,
  searchDocument,
  searchPart,
  writeSearchDocuments,
  writeSearchParts,
  type AssetMatch,
} from './case-derived-state.ts';
import type { Criticality } from './priority.ts';
import {
  caseIntel,
  intelColumns,
  intelOfRow,
  liveMatches,
  NO_INTEL,
  recordMatchFindings,
  type CaseIntel,
} from '../intel/indicator-matcher.ts';
import { ADVISORY_LOCKS, takeTurn } from '../store/advisory-locks.ts';
import { valueParts } from '../store/value-lists.ts';

/** The columns of an alert that grouping reads (and `case_id`, which it sets): not the raw event. */
export const GROUPING_COLUMNS = [
  'id',
  'source',
  'title',
  'description',
  'severity',
  'severity_id',
  'rule_id',
  'rule_name',
  'event_time',
  'case_id',
  'observables',
] as const;

export type GroupingRow = Pick<AlertTable, (typeof GROUPING_COLUMNS)[number]>;

/**
 * One grouper at a time per database: ingest, the grouping stage and bulk triage take this lock
 * before they place alerts, so an alert is not moved under another grouper (several API processes may
 * share a PostgreSQL; SQLite already lets one writer in at a time). Ingest takes it earlier, before
 * dedup's lookup, which needs the same turn-taking (src/ingest/ingest-writer.ts).
 */
export async function lockGrouping(trx: Transaction<DatabaseSchema>, dialect: Dialect): Promise<void> {
  await takeTurn(trx, dialect, ADVISORY_LOCKS.grouping);
}

/** The cases a grouping batch opened, read off its audit entries: what case triggers start on. */
export function openedCases(entries: readonly AuditEntry[]): CaseChange[] {
  return entries.flatMap((e) =>
    e.action === 'case.create' && e.targetId ? [{ caseId: e.targetId, event: 'created' as const }] : [],
  );
}

/** An alert about to be grouped, with its observables parsed. */
export interface GroupableAlert {
  row: GroupingRow;
  observables: Observable[];
}

interface OpenCase {
  id: string;
  ruleKey: string | null;
  host: string | null;
  lastAlertAt: string;
  severity: Severity;
  isNew: boolean;
  row?: CaseTable;
  addedAlerts: number;
  newObservables: Map<string, Observable & { at: string }>;
}

const CHUNK = 400;

/** `eventMs`: the alert's event time, parsed once for every rule it is checked against. */
function withinWindow(eventMs: number, lastAlertAt: string, windowSeconds: number): boolean {
  return Math.abs(eventMs - Date.parse(lastAlertAt)) <= windowSeconds * 1000;
}

/**
 * Attaches each new alert to an open case by the configured grouping rules (first rule that matches
 * wins), or opens a case for it. Works on a whole batch inside the grouping stage's transaction:
 * candidate cases are loaded with a few set queries, and cases opened earlier in the batch are found too.
 */
export async function groupAlerts(
  trx: Transaction<DatabaseSchema>,
  dialect: Dialect,
  alerts: GroupableAlert[],
  rules: readonly GroupingRule[],
  now: string,
): Promise<AuditEntry[]> {
  if (alerts.length === 0) return [];
  const cases = new Map<string, OpenCase>();
  const byRuleHost = new Map<string, OpenCase>();
  const byObservable = new Map<string, OpenCase>();

  const remember = (c: OpenCase): void => {
    cases.set(c.id, c);
    if (c.ruleKey && c.host) {
      const key = `${c.ruleKey}\u0002${c.host}`;
      const known = byRuleHost.get(key);
      if (!known || known.lastAlertAt < c.lastAlertAt) byRuleHost.set(key, c);
    }
  };
  const rememberObservable = (key: string, c: OpenCase): void => {
    const known = byObservable.get(key);
    if (!known || known.lastAlertAt < c.lastAlertAt) byObservable.set(key, c);
  };

  const toCase = (row: OpenCaseRow): OpenCase =>
    cases.get(row.id) ?? {
      id: row.id,
      ruleKey: row.rule_key,
      host: row.host,
      lastAlertAt: row.last_alert_at,
      severity: row.severity as Severity,
      isNew: false,
      addedAlerts: 0,
      newObservables: new Map(),
    };

  const keyed = alerts.map((a) => ({
    alert: a,
    ruleKey: ruleKey(a.row.source, { id: a.row.rule_id, name: a.row.rule_name }, a.row.title),
    host: primaryEntity(a.observables),
  }));

  if (rules.some((r) => r.match === 'rule_and_host')) {
    const pairs = new Map<string, { ruleKey: string; host: string }>();
    for (const k of keyed)
      if (k.host) pairs.set(`${k.ruleKey}\u0002${k.host}`, { ruleKey: k.ruleKey, host: k.host });
    for (const row of await openCasesOfPairs(trx, dialect, [...pairs.values()])) remember(toCase(row));
  }
  const observableTypes = new Set(
    rules.filter((r) => r.match === 'observable').flatMap((r) => r.types ?? []),
  );
  if (observableTypes.size > 0) {
    const values = [
      ...new Set(
        keyed.flatMap((k) =>
          k.alert.observables.filter((o) => observableTypes.has(o.type)).map((o) => o.value),
        ),
      ),
    ];
    // Only observables seen within the widest window can still group.
    const widest = Math.max(...rules.filter((r) => r.match === 'observable').map((r) => r.windowSeconds));
    const earliest = keyed.reduce(
      (min, k) => (k.alert.row.event_time < min ? k.alert.row.event_time : min),
      keyed[0]!.alert.row.event_time,
    );
    const since = new Date(Date.parse(earliest) - widest * 1000).toISOString();
    for (const hit of await openCasesHolding(trx, dialect, observableTypes, values, since)) {
      const c = toCase({ id: hit.case_id, ...hit.open });
      remember(c);
      rememberObservable(observableKey(hit), c);
    }
  }

  const audit: AuditEntry[] = [];
  const typesOf = rules.map((rule) => new Set(rule.types ?? []));
  for (const { alert, ruleKey: rk, host } of keyed) {
    const eventMs = Date.parse(alert.row.event_time);
    let target: OpenCase | undefined;
    for (const [r, rule] of rules.entries()) {
      if (rule.match === 'rule_and_host') {
        const c = host ? byRuleHost.get(`${rk}\u0002${host}`) : undefined;
        if (c && withinWindow(eventMs, c.lastAlertAt, rule.windowSeconds)) target = c;
      } else {
        const types = typesOf[r]!;
        for (const o of alert.observables) {
          if (!types.has(o.type)) continue;
          const c = byObservable.get(observableKey(o));
          if (c && withinWindow(eventMs, c.lastAlertAt, rule.windowSeconds)) {
            target = c;
            break;
          }
        }
      }
      if (target) break;
    }
    if (!target) {
      target = openCase(alert.row, rk, host, now);
      audit.push({
        actor: { id: 'grouping', type: 'system' },
        action: 'case.create',
        targetType: 'case',
        targetId: target.id,
        details: { alertId: alert.row.id, ruleKey: rk, host },
      });
    }
    remember(target);
    addAlert(target, alert);
    for (const o of alert.observables)
      if (observableTypes.has(o.type)) rememberObservable(observableKey(o), target);
    if (rk && host) remember(target);
  }

  await persist(
    trx,
    dialect,
    [...cases.values()].filter((c) => c.addedAlerts > 0),
    now,
  );
  return audit;
}

/** A new case for an alert: titled after it (and its entity), with nothing in it yet. */
function openCase(alert: GroupingRow, rk: string, host: string | null, now: string): OpenCase {
  const id = newId('case_');
  return {
    id,
    ruleKey: rk,
    host,
    lastAlertAt: alert.event_time,
    severity: alert.severity as Severity,
    isNew: true,
    addedAlerts: 0,
    newObservables: new Map(),
    row: {
      id,
      title: host ? `${alert.title} on ${host}` : alert.title,
      description: alert.description,
      status: 'open',
      severity: alert.severity,
      severity_id: alert.severity_id,
      priority: 0,
      priority_factors: '[]',
      assignee: null,
      tags: '[]',
      resolution: null,
      resolution_note: null,
      alert_count: 0,
      rule_key: rk,
      host,
      asset_type: null,
      asset_value: null,
      asset_criticality: null,
      search_values: 0,
      intel_matches: 0,
      intel_sources: '[]',
      intel_confidence: null,
      intel_observables: '[]',
      created_at: now,
      updated_at: now,
      closed_at: null,
      last_alert_at: alert.event_time,
      acknowledged_at: null,
    },
  };
}

/** The alert joins the case: its count, last alert time, severity (only raised) and new observables. */
function addAlert(target: OpenCase, alert: GroupableAlert): void {
  const eventTime = alert.row.event_time;
  alert.row.case_id = target.id;
  target.addedAlerts++;
  if (eventTime > target.lastAlertAt) target.lastAlertAt = eventTime;
  if (SEVERITY_ID[alert.row.severity as Severity] > SEVERITY_ID[target.severity]) {
    target.severity = alert.row.severity as Severity;
  }
  for (const o of alert.observables) {
    const key = observableKey(o);
    if (!target.newObservables.has(key)) target.newObservables.set(key, { ...o, at: eventTime });
  }
}

/**
 * Puts alerts a person picked into one case (bulk triage): an open case they chose, or a new one
 * opened for the alerts (titled after the first, unless a title is given). The case's derived state
 * — count, severity, observables, search document, priority — moves as in grouping. The caller
 * updates the alerts' rows and the cases they leave.
 */
export async function placeAlerts(
  trx: Transaction<DatabaseSchema>,
  dialect: Dialect,
  alerts: GroupableAlert[],
  into: CaseTable | { title: string | null },
  now: string,
): Promise<{ caseId: string; created: boolean }> {
  let target: OpenCase;
  if ('id' in into) {
    target = {
      id: into.id,
      ruleKey: into.rule_key,
      host: into.host,
      lastAlertAt: into.last_alert_at,
      severity: into.severity as Severity,
      isNew: false,
      addedAlerts: 0,
      newObservables: new Map(),
    };
  } else {
    const first = alerts[0]!;
    const rk = ruleKey(
      first.row.source,
      { id: first.row.rule_id, name: first.row.rule_name },
      first.row.title,
    );
    target = openCase(first.row, rk, primaryEntity(first.observables), now);
    if (into.title) target.row!.title = into.title;
  }
  for (const alert of alerts) addAlert(target, alert);
  await persist(trx, dialect, [target], now);
  return { caseId: target.id, created: target.isNew };
}

/**
 * `read` over `items` in the parts one statement takes on this database (src/store/value-lists.ts:
 * arrays on PostgreSQL, IN lists on SQLite), one after the other, the rows put together.
 */
async function inParts<T, R>(
  dialect: Dialect,
  items: readonly T[],
  read: (part: T[]) => Promise<R[]>,
): Promise<R[]> {
  const found: R[] = [];
  for (const part of valueParts(dialect, items)) found.push(...(await read(part)));
  return found;
}

type ObservableRow = { case_id: string; type: string; value: string };
type OpenCaseFields = Pick<CaseTable, 'rule_key' | 'host' | 'last_alert_at' | 'severity'>;
type OpenCaseRow = OpenCaseFields & { id: string };

/**
 * The open cases holding any of these values (as any of these types) seen since `since`: a row per
 * observable held, with the case's own fields (`open`). PostgreSQL probes its (type, value,
 * last_seen) index once per pair, which the LATERAL subquery (kept apart by OFFSET 0) forces: with
 * the lists as IN, the planner read a large case's observables whole, as in storedObservables below.
 * It reads the cases in the same statement (one primary-key probe per case), a round trip less.
 * SQLite, which has no round trips to save, reads them with a query of its own: two indexed steps,
 * where a join, planned without statistics, would walk every open case.
 */
async function openCasesHolding(
  trx: Transaction<DatabaseSchema>,
  dialect: Dialect,
  types: ReadonlySet<string>,
  values: string[],
  since: string,
): Promise<(ObservableRow & { open: OpenCaseFields })[]> {
  if (dialect === 'postgres') {
    const pairs = [...types].flatMap((type) => values.map((value) => [type, value] as const));
    return inParts(dialect, pairs, async (part) => {
      const { rows } = await sql<ObservableRow & OpenCaseFields>`
        WITH hits AS MATERIALIZED (
          SELECT o.case_id, o.type, o.value
          FROM unnest(${part.map((p) => p[0])}::text[], ${part.map((p) => p[1])}::text[]) AS k(type, value)
          CROSS JOIN LATERAL (
            SELECT case_id, type, value FROM case_observables
            WHERE type = k.type AND value = k.value AND last_seen >= ${since}
            OFFSET 0
          ) AS o
        ), open AS MATERIALIZED (
          SELECT c.id, c.rule_key, c.host, c.last_alert_at, c.severity
          FROM (SELECT DISTINCT case_id FROM hits) AS h
          CROSS JOIN LATERAL (
            SELECT id, rule_key, host, last_alert_at, severity FROM cases
            WHERE id = h.case_id AND status = 'open'
            OFFSET 0
          ) AS c
        )
        SELECT hits.case_id, hits.type, hits.value, open.rule_key, open.host, open.last_alert_at, open.severity
        FROM hits JOIN open ON open.id = hits.case_id`.execute(trx);
      return rows.map(({ case_id, type, value, ...open }) => ({ case_id, type, value, open }));
    });
  }
  const hits = await inParts(dialect, values, (part) =>
    trx
      .selectFrom('case_observables')
      .select(['case_id', 'type', 'value'])
      .where('type', 'in', [...types])
      .where('value', 'in', part)
      .where('last_seen', '>=', since)
      .execute(),
  );
  const open = new Map<string, OpenCaseFields>();
  for (const part of chunks([...new Set(hits.map((h) => h.case_id))], CHUNK)) {
    const rows = await trx
      .selectFrom('cases')
      .select(['id', 'rule_key', 'host', 'last_alert_at', 'severity'])
      .where('id', 'in', part)
      .where('status', '=', 'open')
      .execute();
    for (const { id, ...fields } of rows) open.set(id, fields);
  }
  return hits.flatMap((hit) => {
    const fields = open.get(hit.case_id);
    return fields ? [{ ...hit, open: fields }] : [];
  });
}

/**
 * The open cases of these (rule, host) pairs. Both parts bound the lookup, so a noisy rule with
 * thousands of open cases costs what the batch names. PostgreSQL probes the (rule_key, status, host)
 * index once per pair, from one array of each (one statement for a batch of up to 10,000 pairs, where
 * chunks of 400 took five round trips for a bulk commit of 2,000 alerts). SQLite takes the pairs in
 * chunks of 400, each as two IN lists: a batch of n distinct pairs takes n/400 queries, not
 * (n/400)²; a case matching the rule of one pair and the host of another is only remembered, never
 * chosen (the choice looks up the exact pair).
 */
async function openCasesOfPairs(
  trx: Transaction<DatabaseSchema>,
  dialect: Dialect,
  pairs: { ruleKey: string; host: string }[],
): Promise<OpenCaseRow[]> {
  if (dialect === 'postgres')
    return inParts(dialect, pairs, async (part) => {
      const { rows } = await sql<OpenCaseRow>`
        SELECT c.id, c.rule_key, c.host, c.last_alert_at, c.severity
        FROM unnest(${part.map((p) => p.ruleKey)}::text[], ${part.map((p) => p.host)}::text[]) AS k(rule_key, host)
        CROSS JOIN LATERAL (
          SELECT id, rule_key, host, last_alert_at, severity FROM cases
          WHERE rule_key = k.rule_key AND status = 'open' AND host = k.host
          OFFSET 0
        ) AS c`.execute(trx);
      return rows;
    });
  return inParts(dialect, pairs, (part) =>
    trx
      .selectFrom('cases')
      .select(['id', 'rule_key', 'host', 'last_alert_at', 'severity'])
      .where('rule_key', 'in', [...new Set(part.map((p) => p.ruleKey))])
      .where('status', '=', 'open')
      .where('host', 'in', [...new Set(part.map((p) => p.host))])
      .execute(),
  );
}

/**
 * Which of the candidate observables of these existing cases each case already holds. On
 * PostgreSQL, each (case, type, value) is one primary-key probe, forced by a LATERAL … LIMIT 1: with
 * the lists as IN, the planner scanned a large case whole rather than probe it 400 times (11 ms
 * against 0.6 ms for 400 values in a case of 70,000 observables), until the case outgrew the scan's
 * estimate. SQLite probes the key for each combination of the IN lists, as asked.
 */
async function storedObservables(
  trx: Transaction<DatabaseSchema>,
  dialect: Dialect,
  cases: OpenCase[],
): Promise<ObservableRow[]> {
  if (dialect === 'postgres') {
    const triples = cases.flatMap((c) =>
      [...c.newObservables.values()].map((o) => [c.id, o.type, o.value] as const),
    );
    return inParts(dialect, triples, async (part) => {
      const { rows } = await sql<ObservableRow>`
        SELECT o.case_id, o.type, o.value
        FROM unnest(${part.map((t) => t[0])}::text[], ${part.map((t) => t[1])}::text[],
                    ${part.map((t) => t[2])}::text[]) AS k(case_id, type, value)
        CROSS JOIN LATERAL (
          SELECT case_id, type, value FROM case_observables
          WHERE case_id = k.case_id AND type = k.type AND value = k.value
          LIMIT 1
        ) AS o`.execute(trx);
      return rows;
    });
  }
  const found: ObservableRow[] = [];
  for (const part of chunks(cases, CHUNK)) {
    const ids = part.map((c) => c.id);
    const candidates = part.flatMap((c) => [...c.newObservables.values()]);
    const values = [...new Set(candidates.map((o) => o.value))];
    // The type narrows the primary key (case_id, type, value) so a large case is not read whole.
    const types = [...new Set(candidates.map((o) => o.type))];
    for (const valuePart of chunks(values, CHUNK)) {
      found.push(
        ...(await trx
          .selectFrom('case_observables')
          .select(['case_id', 'type', 'value'])
          .where('case_id', 'in', ids)
          .where('type', 'in', types)
          .where('value', 'in', valuePart)
          .execute()),
      );
    }
  }
  return found;
}

async function persist(
  trx: Transaction<DatabaseSchema>,
  dialect: Dialect,
  touched: OpenCase[],
  now: string,
): Promise<void> {
  const byId = new Map(touched.map((c) => [c.id, c]));
  const candidates = touched.flatMap((c) => [...c.newObservables.values()]);
  const assets = await lookupAssets(trx, dialect, candidates);
  // Threat intelligence: the batch's observables against live indicators, each match a finding.
  const intel = await liveMatches(trx, dialect, candidates, now);
  await recordMatchFindings(trx, intel, now);
  const bestAsset = (c: OpenCase): AssetMatch | undefined => {
    let best: AssetMatch | undefined;
    for (const key of c.newObservables.keys()) {
      const asset = assets.get(key);
      if (asset && (!best || moreCritical(asset.criticality, best.criticality))) best = asset;
    }
    return best;
  };

  // Which of an existing case's observables are new to it: only those extend its search document.
  const existing = touched.filter((t) => !t.isNew);
  const known = new Set<string>();
  const stored = new Map<
    string,
    { criticality: Criticality | null; searchValues: number; intel: CaseIntel }
  >();
  for (const r of await storedObservables(trx, dialect, existing))
    known.add(`${r.case_id}\u0002${observableKey(r)}`);
  for (const part of chunks(
    existing.map((c) => c.id),
    CHUNK,
  )) {
    const rows = await trx
      .selectFrom('cases')
      .select([
        'id',
        'asset_criticality',
        'search_values',
        'intel_matches',
        'intel_sources',
        'intel_confidence',
        'intel_observables',
      ])
      .where('id', 'in', part)
      .execute();
    for (const r of rows) {
      stored.set(r.id, {
        criticality: r.asset_criticality as Criticality | null,
        searchValues: Number(r.search_values),
        intel: intelOfRow(r),
      });
    }
  }

  const created = touched
    .filter((c) => c.isNew)
    .map((c) => {
      const asset = bestAsset(c);
      const matched = caseIntel(c.newObservables.keys(), intel);
      return {
        ...c.row!,
        alert_count: c.addedAlerts,
        severity: c.severity,
        severity_id: SEVERITY_ID[c.severity],
        last_alert_at: c.lastAlertAt,
        asset_type: asset?.type ?? null,
        asset_value: asset?.value ?? null,
        asset_criticality: asset?.criticality ?? null,
        search_values: Math.min(c.newObservables.size, MAX_DOCUMENT_VALUES),
        ...intelColumns(matched),
      };
    });
  for (const part of chunks(created, CHUNK)) await trx.insertInto('cases').values(part).execute();
  await writeSearchDocuments(
    trx,
    created.map((c) => {
      const values = [...byId.get(c.id)!.newObservables.values()].map((o) => o.value);
      return { case_id: c.id, body: searchDocument(c.title, c.description, [], values) };
    }),
  );

  const parts: CaseSearchTable[] = [];
  for (const c of existing) {
    const asset = bestAsset(c);
    const before = stored.get(c.id);
    const raise = asset && moreCritical(asset.criticality, before?.criticality);
    const fresh = [...c.newObservables.entries()]
      .filter(([key]) => !known.has(`${c.id}\u0002${key}`))
      .map(([, o]) => o.value);
    const beforeIntel = before?.intel ?? NO_INTEL;
    const matched = caseIntel(
      c.newObservables.keys(),
      intel,
      beforeIntel,
      (key) => !known.has(`${c.id}\u0002${key}`),
    );
    const part = searchPart(c.id, before?.searchValues ?? 0, fresh);
    if (part) parts.push(part.row);
    const added = part?.added ?? 0;
    const rank = SEVERITY_ID[c.severity];
    await trx
      .updateTable('cases')
      .set((eb) => ({
        alert_count: eb('alert_count', '+', c.addedAlerts),
        last_alert_at: c.lastAlertAt,
        updated_at: now,
        // Severity only rises (a person may have raised it above the alerts'); both sides read the old row.
        severity: sql<string>`CASE WHEN severity_id < ${rank} THEN ${c.severity} ELSE severity END`,
        severity_id: sql<number>`CASE WHEN severity_id < ${rank} THEN ${rank} ELSE severity_id END`,
        ...(added > 0 ? { search_values: eb('search_values', '+', added) } : {}),
        ...(raise
          ? { asset_type: asset.type, asset_value: asset.value, asset_criticality: asset.criticality }
          : {}),
        ...(matched.matches > beforeIntel.matches ? intelColumns(matched) : {}),
      }))
      .where('id', '=', c.id)
      .execute();
  }

  await writeSearchParts(trx, parts);
  const observables = touched.flatMap((c) =>
    [...c.newObservables.values()].map((o) => ({
      case_id: c.id,
      type: o.type,
      value: o.value,
      role: o.role ?? null,
      first_seen: o.at,
      last_seen: o.at,
    })),
  );
  await insertRows(trx, dialect, 'case_observables', observables, {
    updateOnConflict: { key: ['case_id', 'type', 'value'], columns: ['last_seen'] },
  });
  await refreshPriority(
    trx,
    touched.map((c) => c.id),
  );
}
