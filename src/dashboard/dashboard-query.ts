import { sql, type Kysely, type RawBuilder } from 'kysely';
import { SEVERITIES, type Severity } from '../core/alert.ts';
import { nowDate } from '../core/clock.ts';
import { idFloor } from '../core/ids.ts';
import { ROLES, type Role } from '../core/role.ts';
import type { Dialect } from '../store/database.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import { parseWindow } from './dashboard-window.ts';

export interface Dashboard {
  window: string;
  from: string;
  to: string;
  openCases: { total: number; bySeverity: Record<Severity, number> };
  /** The last 24 hours, oldest first, one entry per hour (UTC) — the current hour so far last. */
  alertsPerHour: { hour: string; count: number }[];
  pending: { tasks: number; approvals: number; mine: { tasks: number; approvals: number } };
  mtta: { ms: number | null; cases: number; unacknowledged: number };
  /** Cases opened in the window: how long until contained; those still open and not contained. */
  mttc: { ms: number | null; cases: number; uncontained: number };
  mttr: { ms: number | null; cases: number };
  /**
   * Of the cases closed in the window whose severity has SLA targets, those that met every clock
   * (acknowledge, contain when targeted, resolve); by severity too.
   */
  slaCompliance: {
    rate: number | null;
    met: number;
    closed: number;
    bySeverity: Record<string, { met: number; closed: number }>;
  };
  automation: {
    closedCases: number;
    automatedCases: number;
    rate: number | null;
    alerts: number;
    automatedAlerts: number;
    alertRate: number | null;
  };
  topRules: {
    rule: string;
    /** The source of the rule's latest alert. */
    source: string;
    name: string | null;
    alerts: number;
    closedCases: number;
    falsePositives: number;
    falsePositiveRate: number | null;
  }[];
}

export interface DashboardViewer {
  name: string;
  role: Role;
}

type WindowFigures = Pick<Dashboard, 'mtta' | 'mttc' | 'mttr' | 'slaCompliance' | 'automation' | 'topRules'>;

/** A severity's SLA targets (the configuration's `sla`, src/config.ts), in seconds. */
export interface SlaTargetSeconds {
  acknowledgeSeconds: number;
  containSeconds?: number;
  resolveSeconds: number;
}

/**
 * How long the window's figures (MTTA, MTTR, automation, top rules) are reused: they aggregate days of
 * cases and alerts, so at a million alerts they cost hundreds of milliseconds, and a few seconds of
 * staleness does not show in a week's average. Nothing invalidates them; open cases, pending work and
 * the alerts stored since the previous request are read on every request.
 */
const WINDOW_CACHE_MS = 10_000;
const HOUR_MS = 3_600_000;
/** How long after it was stored an alert is taken as counted for good: commits still in flight land first. */
const SETTLED_MS = 60_000;
const TOP_RULES = 10;
/** Who counts as a person in the audit log: people, API clients and the CLI — not playbooks (`system`). */
const PERSON_ACTORS = ['user', 'token', 'cli'];

/** Milliseconds from `earlier` to `later` (ISO 8601 text columns), the one dialect-specific piece. */
function msBetween(
  dialect: Dialect,
  later: string | RawBuilder<unknown>,
  earlier: string,
): RawBuilder<number> {
  const end = typeof later === 'string' ? sql.ref(later) : later;
  return dialect === 'sqlite'
    ? sql<number>`(julianday(${end}) - julianday(${sql.ref(earlier)})) * 86400000.0`
    : sql<number>`extract(epoch from (${end}::timestamptz - ${sql.ref(earlier)}::timestamptz)) * 1000`;
}

function num(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}

function average(value: unknown): number | null {
  return value === null || value === undefined ? null : Math.round(Number(value));
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

/**
 * The dashboard's figures, each one aggregate query over an index: open cases by severity, alerts per
 * hour, pending tasks and approvals, MTTA, MTTR, the automation rate and the noisiest detection rules
 * with their false-positive rate. Definitions: docs/console.md § Dashboard.
 */
export class DashboardQuery {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #dialect: Dialect;
  readonly #now: () => Date;
  readonly #cacheMs: number;
  readonly #sla: Readonly<Record<string, SlaTargetSeconds | undefined>>;
  readonly #cache = new Map<string, { until: number; figures: Promise<WindowFigures> }>();
  /** Alerts per hour (`YYYY-MM-DDTHH`) of the last day stored before `#settledMs`: final, counted once. */
  #settled = new Map<string, number>();
  #settledMs = 0;

  constructor(
    db: Kysely<DatabaseSchema>,
    dialect: Dialect,
    now: () => Date = () => nowDate(),
    cacheMs = WINDOW_CACHE_MS,
    sla: Readonly<Record<string, SlaTargetSeconds | undefined>> = {},
  ) {
    this.#db = db;
    this.#dialect = dialect;
    this.#now = now;
    this.#cacheMs = cacheMs;
    this.#sla = sla;
  }

  async figures(windowText: string | undefined, viewer: DashboardViewer): Promise<Dashboard> {
    const window = parseWindow(windowText);
    const to = this.#now();
    const fromMs = to.getTime() - window.ms;
    const from = new Date(fromMs).toISOString();
    const openCases = await this.#openCases();
    const alertsPerHour = await this.#alertsPerHour(to.getTime());
    const pending = await this.#pending(viewer);
    const figures = await this.#windowFigures(window.label, fromMs, from);
    return {
      window: window.label,
      from,
      to: to.toISOString(),
      openCases,
      alertsPerHour,
      pending,
      ...figures,
    };
  }

  /**
   * The figures over the whole window (days of cases and alerts), shared for WINDOW_CACHE_MS by every
   * request for the same window: concurrent requests wait for one computation, and a failure is not kept.
   */
  #windowFigures(label: string, fromMs: number, from: string): Promise<WindowFigures> {
    const nowMs = Date.now();
    const cached = this.#cache.get(label);
    if (cached && cached.until > nowMs) return cached.figures;
    const figures = (async () => ({
      mtta: await this.#mtta(fromMs, from),
      mttc: await this.#mttc(fromMs, from),
      mttr: await this.#mttr(from),
      slaCompliance: await this.#slaCompliance(from),
      automation: await this.#automation(from),
      topRules: await this.#topRules(fromMs, from),
    }))();
    if (this.#cacheMs > 0) {
      for (const [key, entry] of this.#cache) if (entry.until <= nowMs) this.#cache.delete(key);
      this.#cache.set(label, { until: nowMs + this.#cacheMs, figures });
      figures.catch(() => {
        if (this.#cache.get(label)?.figures === figures) this.#cache.delete(label);
      });
    }
    return figures;
  }

  async #openCases(): Promise<Dashboard['openCases']> {
    const rows = await this.#db
      .selectFrom('cases')
      .select(['severity', (eb) => eb.fn.countAll().as('n')])
      .where('status', '=', 'open')
      .groupBy('severity')
      .execute();
    const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
    let total = 0;
    for (const row of rows) {
      if (row.severity in bySeverity) bySeverity[row.severity as Severity] += num(row.n);
      total += num(row.n);
    }
    return { total, bySeverity };
  }

  /**
   * Alerts per hour over the last 24. An alert stored more than a minute ago is final (its commit is
   * in, and alerts are never deleted), so it is counted once into `#settled` and remembered: each call
   * reads only the alerts stored since the previous call's cut-off (a minute and the time between
   * calls), not a day of them — nor a whole busy current hour.
   */
  async #alertsPerHour(nowMs: number): Promise<Dashboard['alertsPerHour']> {
    const startMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS - 23 * HOUR_MS;
    const hourKey = (ms: number) => new Date(ms).toISOString().slice(0, 13);
    if (this.#settledMs < startMs) {
      // The first call, or none for a day: count the whole day.
      this.#settled = new Map();
      this.#settledMs = startMs;
    }
    const readFromMs = this.#settledMs;
    // The day's settled counts as of the cut-off: a copy, which this call extends if it is still the
    // latest when its read returns.
    const dayStart = hourKey(startMs);
    const settled = new Map([...this.#settled].filter(([key]) => key >= dayStart));
    const settleTo = Math.max(readFromMs, nowMs - SETTLED_MS);
    const hour = sql<string>`substr(created_at, 1, 13)`;
    const settleText = new Date(settleTo).toISOString();
    const rows = await this.#db
      .selectFrom('alerts')
      .select((eb) => [
        hour.as('hour'),
        eb.fn.countAll().as('n'),
        eb.fn.sum(eb.case().when('created_at', '<', settleText).then(1).else(0).end()).as('settling'),
      ])
      // Ids are time-ordered and made after the row's created_at: the id bound reads the primary key
      // from the cut-off only.
      .where('id', '>=', idFloor('alert_', readFromMs))
      .where('created_at', '>=', new Date(readFromMs).toISOString())
      .groupBy(hour)
      .execute();
    const counts = new Map(settled);
    for (const row of rows) counts.set(row.hour, (counts.get(row.hour) ?? 0) + num(row.n));
    // Another call that read from the same cut-off and settled first has counted these already.
    if (this.#settledMs === readFromMs) {
      for (const row of rows)
        if (num(row.settling) > 0) settled.set(row.hour, (settled.get(row.hour) ?? 0) + num(row.settling));
      this.#settled = settled;
      this.#settledMs = settleTo;
    }
    return Array.from({ length: 24 }, (_, i) => {
      const at = startMs + i * HOUR_MS;
      return { hour: new Date(at).toISOString(), count: counts.get(hourKey(at)) ?? 0 };
    });
  }

  async #pending(viewer: DashboardViewer): Promise<Dashboard['pending']> {
    // Mine: what this person may act on — assigned to them, or to a role theirs covers (task-service.ts).
    const covered = ROLES.slice(ROLES.indexOf(viewer.role));
    const rows = await this.#db
      .selectFrom('tasks')
      .select((eb) => [
        'kind',
        eb.fn.countAll().as('n'),
        eb.fn
          .sum(
            viewer.role === 'admin'
              ? sql<number>`1`
              : eb
                  .case()
                  .when(
                    eb.or([
                      eb('assignee_user', '=', viewer.name),
                      eb.and([eb('assignee_user', 'is', null), eb('assignee_role', 'in', covered)]),
                    ]),
                  )
                  .then(1)
                  .else(0)
                  .end(),
          )
          .as('mine'),
      ])
      .where('status', '=', 'open')
      .groupBy('kind')
      .execute();
    const pending = { tasks: 0, approvals: 0, mine: { tasks: 0, approvals: 0 } };
    for (const row of rows) {
      const key = row.kind === 'approval' ? 'approvals' : 'tasks';
      pending[key] += num(row.n);
      pending.mine[key] += num(row.mine);
    }
    return pending;
  }

  /** Cases opened in the window: how long until their first acknowledgement (assignment or closing). */
  async #mtta(fromMs: number, from: string): Promise<Dashboard['mtta']> {
    const row = await this.#db
      .selectFrom('cases')
      .select((eb) => [
        eb.fn.count('acknowledged_at').as('acknowledged'),
        eb.fn.avg(msBetween(this.#dialect, 'acknowledged_at', 'created_at')).as('ms'),
        eb.fn.sum(eb.case().when('acknowledged_at', 'is', null).then(1).else(0).end()).as('unacknowledged'),
      ])
      .where('id', '>=', idFloor('case_', fromMs))
      .where('created_at', '>=', from)
      .executeTakeFirstOrThrow();
    return {
      ms: average(row.ms),
      cases: num(row.acknowledged),
      unacknowledged: num(row.unacknowledged),
    };
  }

  /**
   * Cases opened in the window: how long until their threat was contained (a containment action
   * applied, or marked by hand); still open and not contained counted apart.
   */
  async #mttc(fromMs: number, from: string): Promise<Dashboard['mttc']> {
    const row = await this.#db
      .selectFrom('cases')
      .select((eb) => [
        eb.fn.count('contained_at').as('contained'),
        eb.fn.avg(msBetween(this.#dialect, 'contained_at', 'created_at')).as('ms'),
        eb.fn
          .sum(
            eb
              .case()
              .when(eb.and([eb('contained_at', 'is', null), eb('status', '=', 'open')]))
              .then(1)
              .else(0)
              .end(),
          )
          .as('uncontained'),
      ])
      .where('id', '>=', idFloor('case_', fromMs))
      .where('created_at', '>=', from)
      .executeTakeFirstOrThrow();
    return { ms: average(row.ms), cases: num(row.contained), uncontained: num(row.uncontained) };
  }

  /** Cases closed in the window: how long from opening to closing. */
  async #mttr(from: string): Promise<Dashboard['mttr']> {
    const row = await this.#db
      .selectFrom('cases')
      .select((eb) => [
        eb.fn.countAll().as('n'),
        eb.fn.avg(msBetween(this.#dialect, 'closed_at', 'created_at')).as('ms'),
      ])
      // closed_at is set only while a case is closed (reopening clears it): no status test, so the
      // closed_at index is the one read.
      .where('closed_at', '>=', from)
      .executeTakeFirstOrThrow();
    return { ms: average(row.ms), cases: num(row.n) };
  }

  /**
   * Cases closed in the window, by severity: how many met every clock of their severity's SLA. Closing
   * acknowledges and ends containment too (cases.md § SLA), so each clock is measured to its own time
   * or, when that never came, to the closing.
   */
  async #slaCompliance(from: string): Promise<Dashboard['slaCompliance']> {
    const targets = Object.entries(this.#sla).filter(
      (e): e is [string, SlaTargetSeconds] => e[1] !== undefined,
    );
    const empty = { rate: null, met: 0, closed: 0, bySeverity: {} };
    if (targets.length === 0) return empty;
    const threshold = (pick: (t: SlaTargetSeconds) => number | undefined) =>
      sql<number>`CASE severity ${sql.join(
        // Numbers from the configuration, written as literals (a bound parameter reads as text on PostgreSQL).
        targets.map(([severity, t]) => sql`WHEN ${severity} THEN ${sql.lit((pick(t) ?? 1e12) * 1000)}`),
        sql` `,
      )} END`;
    const d = this.#dialect;
    const acknowledged = msBetween(d, sql`COALESCE(acknowledged_at, closed_at)`, 'created_at');
    const contained = msBetween(d, sql`COALESCE(contained_at, closed_at)`, 'created_at');
    const resolved = msBetween(d, 'closed_at', 'created_at');
    const rows = await this.#db
      .selectFrom('cases')
      .select((eb) => [
        'severity',
        eb.fn.countAll().as('closed'),
        eb.fn
          .sum(
            sql<number>`CASE WHEN ${acknowledged} <= ${threshold((t) => t.acknowledgeSeconds)}
              AND ${contained} <= ${threshold((t) => t.containSeconds)}
              AND ${resolved} <= ${threshold((t) => t.resolveSeconds)} THEN 1 ELSE 0 END`,
          )
          .as('met'),
      ])
      .where('closed_at', '>=', from)
      .where(
        'severity',
        'in',
        targets.map(([severity]) => severity),
      )
      .groupBy('severity')
      .execute();
    const bySeverity: Record<string, { met: number; closed: number }> = {};
    for (const row of rows) bySeverity[row.severity] = { met: num(row.met), closed: num(row.closed) };
    const met = rows.reduce((n, r) => n + num(r.met), 0);
    const closed = rows.reduce((n, r) => n + num(r.closed), 0);
    return { rate: ratio(met, closed), met, closed, bySeverity };
  }

  /**
   * Of the cases closed in the window, those a playbook closed with no person involved: a run changed
   * the case, and no person (user, API token, CLI) changed or commented on it — viewing is not
   * acting — nor answered a task or approval of a run on the case or on one of its alerts.
   */
  async #automation(from: string): Promise<Dashboard['automation']> {
    const automated = sql<boolean>`EXISTS (
        SELECT 1 FROM audit_log a
        WHERE a.target_type = 'case' AND a.target_id = c.id AND a.actor LIKE 'run:%')
      AND NOT EXISTS (
        SELECT 1 FROM audit_log a
        WHERE a.target_type = 'case' AND a.target_id = c.id
          AND a.actor_type IN (${sql.join(PERSON_ACTORS)}) AND a.action <> 'case.view')
      AND NOT EXISTS (
        SELECT 1 FROM tasks t
        WHERE t.status = 'completed' AND t.run_id IN (SELECT r.id FROM runs r WHERE r.case_id = c.id))`;
    // Each closed case's flag is worked out once (a materialized CTE), not once per sum it feeds.
    const result = await sql<{
      closed: unknown;
      alerts: unknown;
      automated: unknown;
      automatedAlerts: unknown;
    }>`
      WITH closed AS MATERIALIZED (
        SELECT c.alert_count AS alert_count, CASE WHEN ${automated} THEN 1 ELSE 0 END AS automated
        FROM cases c WHERE c.closed_at >= ${from}
      )
      SELECT count(*) AS closed, sum(alert_count) AS alerts, sum(automated) AS automated,
        sum(automated * alert_count) AS "automatedAlerts"
      FROM closed`.execute(this.#db);
    const row = result.rows[0]!;
    const closedCases = num(row.closed);
    const automatedCases = num(row.automated);
    const alerts = num(row.alerts);
    const automatedAlerts = num(row.automatedAlerts);
    return {
      closedCases,
      automatedCases,
      rate: ratio(automatedCases, closedCases),
      alerts,
      automatedAlerts,
      alertRate: ratio(automatedAlerts, alerts),
    };
  }

  /**
   * The rules with the most alerts in the window, and how their cases closed in the window were
   * resolved. A loose index scan: the rules are walked one by one through the `alerts_rule` index and
   * each one's alerts in the window counted there, without reading an alert row — the cost follows
   * the number of rules and of alerts in the window, not the table.
   */
  async #topRules(fromMs: number, from: string): Promise<Dashboard['topRules']> {
    const counted = await sql<{ rule: string; n: number | string }>`
      WITH RECURSIVE r(rule) AS (
        SELECT min(coalesce(rule_id, rule_name)) FROM alerts
        UNION ALL
        SELECT (SELECT min(coalesce(rule_id, rule_name)) FROM alerts WHERE coalesce(rule_id, rule_name) > r.rule)
        FROM r WHERE r.rule IS NOT NULL
      )
      SELECT r.rule AS rule,
        (SELECT count(*) FROM alerts a
          WHERE coalesce(a.rule_id, a.rule_name) = r.rule AND a.id >= ${idFloor('alert_', fromMs)}) AS n
      FROM r WHERE r.rule IS NOT NULL
      ORDER BY n DESC, rule
      LIMIT ${TOP_RULES}`.execute(this.#db);
    const top = counted.rows.filter((r) => num(r.n) > 0);
    if (top.length === 0) return [];
    // The case's rule key is `<source>:<rule id, else name>` (src/cases/case-keys.ts); source names
    // have no colon. A rule's cases from every source count.
    // The rule key is grouped as an expression, so SQLite reads the window's closed cases through
    // `cases_closed_at` rather than every case in `cases_rule_host` order (100,000 rows for a few hundred).
    const ruleKey = sql<string>`coalesce(rule_key, '')`;
    const closed = await this.#db
      .selectFrom('cases')
      .select((eb) => [
        ruleKey.as('rule_key'),
        eb.fn.countAll().as('closed'),
        eb.fn.sum(eb.case().when('resolution', '=', 'false_positive').then(1).else(0).end()).as('fp'),
      ])
      .where('closed_at', '>=', from)
      .where(ruleKey, '<>', '')
      .groupBy(ruleKey)
      .execute();
    const byRule = new Map<string, { closed: number; fp: number }>();
    for (const c of closed) {
      const rule = c.rule_key.slice(c.rule_key.indexOf(':') + 1);
      const sum = byRule.get(rule) ?? { closed: 0, fp: 0 };
      sum.closed += num(c.closed);
      sum.fp += num(c.fp);
      byRule.set(rule, sum);
    }
    const result: Dashboard['topRules'] = [];
    for (const r of top) {
      // Its name and source as its latest alert gives them.
      const latest = await this.#db
        .selectFrom('alerts')
        .select(['source', 'rule_name'])
        .where(sql<string>`coalesce(rule_id, rule_name)`, '=', r.rule)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      const cases = byRule.get(r.rule) ?? { closed: 0, fp: 0 };
      result.push({
        rule: r.rule,
        name: latest?.rule_name ?? null,
        source: latest?.source ?? '',
        alerts: num(r.n),
        closedCases: cases.closed,
        falsePositives: cases.fp,
        falsePositiveRate: ratio(cases.fp, cases.closed),
      });
    }
    return result;
  }
}
