import type { Kysely } from 'kysely';
import type { Alert } from '../core/alert.ts';
import { idFloor } from '../core/ids.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import { toAlert } from './alert-query.ts';

/** The cases naming the user that are read, most recently seen first. */
const MAX_CASES = 20;
/** The alerts read per case (and among those not grouped yet). */
const PER_CASE = 250;
/** An event reaches Riposte after it happened; this much clock skew between the two is tolerated. */
const SKEW_MS = 60 * 60_000;

/**
 * A user's recent alerts (their sign-ins, MFA prompts …), for the sign-in risk action. Alerts have no
 * index by observable, so the search goes through two that exist: the cases naming the user
 * (`case_observables (type, value, last_seen)`), then each case's alerts by `(case_id, id)` from the
 * first id the window allows (ids are time-ordered; an alert is stored after its event happened).
 * Alerts the grouping stage has not reached yet (`case_id` null) are read the same way. Every step
 * has a limit, so one call reads at most (20 + 1) × 250 alerts, whatever the user's history.
 */
export class UserAlertHistory {
  readonly #db: Kysely<DatabaseSchema>;

  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async get(id: string): Promise<Alert | null> {
    const row = await this.#db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toAlert(row) : null;
  }

  async recent(
    users: readonly string[],
    window: { since: string; until: string },
    limit: number,
  ): Promise<{ alerts: Alert[]; truncated: boolean }> {
    if (users.length === 0) return { alerts: [], truncated: false };
    const floor = idFloor('alert_', Date.parse(window.since) - SKEW_MS);
    const wanted = new Set(users.map((u) => u.toLowerCase()));
    const found = new Map<string, Alert>();
    let truncated = false;
    const read = async (caseId: string | null) => {
      let query = this.#db
        .selectFrom('alerts')
        .selectAll()
        .where('id', '>=', floor)
        .where('event_time', '>=', window.since)
        .where('event_time', '<=', window.until);
      query = caseId === null ? query.where('case_id', 'is', null) : query.where('case_id', '=', caseId);
      const rows = await query
        .orderBy('id', 'desc')
        .limit(PER_CASE + 1)
        .execute();
      if (rows.length > PER_CASE) truncated = true;
      for (const row of rows.slice(0, PER_CASE)) {
        const alert = toAlert(row);
        if (alert.observables.some((o) => o.type === 'user' && wanted.has(o.value.toLowerCase())))
          found.set(alert.id, alert);
      }
    };
    // The alerts not grouped yet first, then the cases: an alert the grouping stage moves into a case
    // between the reads is then found twice (and kept once) rather than missed — grouping writes the
    // alert's case and the case's observables in one transaction.
    await read(null);
    const cases = await this.#db
      .selectFrom('case_observables')
      .select('case_id')
      .where('type', '=', 'user')
      .where('value', 'in', [...users])
      .where('last_seen', '>=', window.since)
      .orderBy('last_seen', 'desc')
      .limit(MAX_CASES + 1)
      .execute();
    if (cases.length > MAX_CASES) truncated = true;
    for (const caseId of new Set(cases.slice(0, MAX_CASES).map((c) => c.case_id))) await read(caseId);
    const alerts = [...found.values()].sort(
      (a, b) => b.eventTime.localeCompare(a.eventTime) || b.id.localeCompare(a.id),
    );
    if (alerts.length > limit) truncated = true;
    return { alerts: alerts.slice(0, limit), truncated };
  }
}
