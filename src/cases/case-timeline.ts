import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import { toAuditRecord, type AuditRecord } from '../audit/audit-log.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { parseLimit, type Page } from '../store/cursor.ts';
import type { AuditLogTable, DatabaseSchema } from '../store/schema.ts';
import { runIdsOfCase } from './case-runs.ts';

function encodeSeq(seq: number): string {
  return Buffer.from(`seq:${seq}`, 'utf8').toString('base64url');
}

function decodeSeq(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const match = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match)
    throw new RiposteError('invalid_cursor', 'cursor is not one this API returned; start again without it', {
      path: 'cursor',
    });
  return Number(match[1]);
}

const OWN_TARGETS = new Set(['case', 'alert', 'run', 'task', 'approval']);

/**
 * A case's timeline from the audit log, newest first: rows about the case, its alerts, its runs, their
 * tasks and approvals, and the response actions applied or undone for it. Views are left out.
 */
export async function caseTimeline(
  db: Kysely<DatabaseSchema>,
  caseId: string,
  page: { cursor?: string; limit?: unknown },
  /** The case holds more than BIG_CASE_ALERTS alerts (src/cases/case-runs.ts). */
  big: boolean,
): Promise<Page<AuditRecord>> {
  const limit = parseLimit(page.limit);
  let before = decodeSeq(page.cursor);
  // A small case's alerts, runs and tasks are looked up one by one among the rows about them. A big
  // one (a noisy rule's, with a hundred thousand alerts and a run each) is read the other way round:
  // the rows about alerts, runs, tasks and response actions — people's and playbooks' actions, far
  // fewer than such a case's alerts — each checked against the case.
  // Response rows name the target they acted on (a host, an IP), which other cases may share: keep
  // those whose run is one of this case's ledger entries.
  const ledger = await db
    .selectFrom('action_ledger')
    .select(['target_type', 'target_value', 'action', 'run_id'])
    .where((eb) =>
      eb.or([
        eb('case_id', '=', caseId),
        big
          ? eb.exists(
              eb
                .selectFrom('alerts')
                .select('alerts.id')
                .whereRef('alerts.id', '=', 'action_ledger.alert_id')
                .where('alerts.case_id', '=', caseId),
            )
          : eb(
              'alert_id',
              'in',
              eb.selectFrom('alerts').select('alerts.id').where('alerts.case_id', '=', caseId),
            ),
      ]),
    )
    .limit(1000)
    .execute();
  const ledgerRuns = new Set(ledger.map((l) => l.run_id));
  const targets = new Map<string, { type: string; id: string }>();
  for (const l of ledger) {
    const target = l.target_type
      ? { type: l.target_type, id: l.target_value ?? '' }
      : { type: 'action', id: l.action };
    targets.set(`${target.type}\u0000${target.id}`, target);
  }
  const keep = (row: AuditLogTable): boolean => {
    if (row.target_type !== null && OWN_TARGETS.has(row.target_type)) return true;
    const details = JSON.parse(row.details) as { runId?: unknown; caseId?: unknown };
    return details.caseId === caseId || (typeof details.runId === 'string' && ledgerRuns.has(details.runId));
  };
  // One branch per kind of target, each read newest first through `audit_target` and cut at the
  // batch size, then merged: an OR of them made PostgreSQL walk the whole log backwards instead.
  type Where = (eb: ExpressionBuilder<DatabaseSchema, 'audit_log'>) => Expression<SqlBool>;
  const alertIds = db.selectFrom('alerts').select('alerts.id').where('alerts.case_id', '=', caseId);
  const runIds = runIdsOfCase(db, caseId);
  const taskIds = db.selectFrom('tasks').select('tasks.id').where('tasks.run_id', 'in', runIds);
  const aboutAlert: Where = big
    ? (eb) =>
        eb.exists(
          eb
            .selectFrom('alerts')
            .select('alerts.id')
            .whereRef('alerts.id', '=', 'audit_log.target_id')
            .where('alerts.case_id', '=', caseId),
        )
    : (eb) => eb('target_id', 'in', alertIds);
  const aboutRun: Where = big
    ? (eb) =>
        eb.exists(
          eb
            .selectFrom('runs')
            .select('runs.id')
            .whereRef('runs.id', '=', 'audit_log.target_id')
            .where('runs.case_id', '=', caseId),
        )
    : (eb) => eb('target_id', 'in', runIds);
  const aboutTask: Where = big
    ? (eb) =>
        eb.exists(
          eb
            .selectFrom('tasks')
            .innerJoin('runs', 'runs.id', 'tasks.run_id')
            .select('tasks.id')
            .whereRef('tasks.id', '=', 'audit_log.target_id')
            .where('runs.case_id', '=', caseId),
        )
    : (eb) => eb('target_id', 'in', taskIds);
  const branches: Where[] = [
    (eb) => eb.and([eb('target_type', '=', 'case'), eb('target_id', '=', caseId)]),
    (eb) => eb.and([eb('target_type', '=', 'alert'), aboutAlert(eb)]),
    (eb) => eb.and([eb('target_type', '=', 'run'), aboutRun(eb)]),
    (eb) => eb.and([eb('target_type', 'in', ['task', 'approval']), aboutTask(eb)]),
    ...[...targets.values()].map(
      (t) => (eb: ExpressionBuilder<DatabaseSchema, 'audit_log'>) =>
        eb.and([
          eb('target_type', '=', t.type),
          eb('target_id', '=', t.id),
          eb('action', 'like', 'response.%'),
        ]),
    ),
  ];
  const kept: AuditLogTable[] = [];
  const seen = new Set<number>();
  const batch = limit + 1;
  for (;;) {
    const parts = branches.map((where) => {
      let part = db.selectFrom('audit_log').selectAll().where(where).where('action', 'not like', '%.view');
      if (before !== undefined) part = part.where('seq', '<', before);
      return db.selectFrom(part.orderBy('seq', 'desc').limit(batch).as('b')).selectAll();
    });
    const merged = parts.slice(1).reduce((all, part) => all.unionAll(part), parts[0]!);
    const rows = await db
      .selectFrom(merged.as('m'))
      .selectAll()
      .orderBy('seq', 'desc')
      .limit(batch)
      .execute();
    for (const row of rows) {
      before = Number(row.seq);
      // A response target could also be one of the case's own targets: count each row once.
      if (seen.has(before)) continue;
      seen.add(before);
      if (keep(row)) kept.push(row);
      if (kept.length > limit) break;
    }
    if (kept.length > limit || rows.length < batch) break;
  }
  const items = kept.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(toAuditRecord),
    nextCursor: kept.length > limit && last ? encodeSeq(Number(last.seq)) : null,
  };
}
