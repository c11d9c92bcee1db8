import type { Kysely } from 'kysely';
import type { Alert, AlertStatus, MitreRef, Observable, Severity } from '../core/alert.ts';
import { SEVERITIES } from '../core/alert.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { decodeCursor, parseLimit, toPage, type Page } from '../store/cursor.ts';
import type { AlertTable, DatabaseSchema } from '../store/schema.ts';

export function toAlert(row: AlertTable): Alert {
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
    observables: JSON.parse(row.observables) as Observable[],
    mitre: JSON.parse(row.mitre) as MitreRef[],
    caseId: row.case_id,
    status: row.status as AlertStatus,
    fingerprint: row.fingerprint,
    createdAt: row.created_at,
    raw: JSON.parse(row.raw) as unknown,
  };
}

export interface AlertFilter {
  source?: string;
  severity?: string;
  status?: string;
  caseId?: string;
  cursor?: string;
  limit?: unknown;
}

/** Read side of alerts: list newest first with filters, get one. */
export class AlertQuery {
  readonly #db: Kysely<DatabaseSchema>;

  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async list(filter: AlertFilter): Promise<Page<Alert>> {
    const limit = parseLimit(filter.limit);
    const cursor = decodeCursor(filter.cursor);
    let query = this.#db.selectFrom('alerts').selectAll();
    if (filter.source) query = query.where('source', '=', filter.source);
    if (filter.severity) {
      if (!(SEVERITIES as readonly string[]).includes(filter.severity)) {
        throw new RiposteError('validation_failed', `severity must be one of: ${SEVERITIES.join(', ')}`, {
          path: 'severity',
        });
      }
      query = query.where('severity', '=', filter.severity);
    }
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.caseId) query = query.where('case_id', '=', filter.caseId);
    if (cursor) query = query.where('id', '<', cursor);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const page = toPage(rows, limit);
    return { items: page.items.map(toAlert), nextCursor: page.nextCursor };
  }

  async get(id: string): Promise<Alert> {
    const row = await this.#db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new RiposteError('not_found', `no alert with id "${id}"`);
    return toAlert(row);
  }
}
