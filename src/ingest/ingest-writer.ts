import type { Kysely } from 'kysely';
import type { AuditEntry, AuditLog, Actor } from '../audit/audit-log.ts';
import { SEVERITY_ID, type AlertDraft } from '../core/alert.ts';
import { newId } from '../core/ids.ts';
import type { AlertTable, DatabaseSchema } from '../store/schema.ts';
import { GroupCommit } from '../store/group-commit.ts';
import type { HookedTransaction, TransactionHook } from '../store/transaction-hook.ts';

export interface IngestJob {
  source: string;
  format: string;
  actor: Actor;
  drafts: { draft: AlertDraft; fingerprint: string }[];
  rejected: number;
}

export interface IngestJobResult {
  /** One id per accepted draft, in order: the new alert's, or the earlier alert's it duplicated. */
  alertIds: string[];
  duplicates: number;
}

export interface IngestWriterOptions {
  db: Kysely<DatabaseSchema>;
  audit: AuditLog;
  dedupWindowSeconds: number;
  /** Called after each commit that stored new alerts (the grouping stage takes them from there). */
  onCommitted?: () => void;
  /** Sees every new alert inside the transaction that stores it (playbook triggers). */
  alertHook?: TransactionHook<AlertTable>;
}

interface Known {
  id: string;
  firstSeen: string;
  lastSeen: string;
  addedCount: number;
  /** Set when the alert is inserted by this batch. */
  fresh?: AlertTable;
}

const CHUNK = 400;

/**
 * Writes ingested alerts durably: dedup by fingerprint within the window, the alerts themselves and
 * one audit row per request, all in one transaction per group commit. Grouping into cases follows in
 * its own durable stage (src/cases/grouping-stage.ts), told after each commit.
 */
export class IngestWriter {
  readonly #options: IngestWriterOptions;
  readonly #commits: GroupCommit<IngestJob, IngestJobResult>;

  constructor(options: IngestWriterOptions) {
    this.#options = options;
    this.#commits = new GroupCommit((jobs) => this.#flush(jobs));
  }

  write(job: IngestJob): Promise<IngestJobResult> {
    return this.#commits.submit(job);
  }

  drain(): Promise<void> {
    return this.#commits.drain();
  }

  async #flush(jobs: IngestJob[]): Promise<IngestJobResult[]> {
    const hook = this.#options.alertHook;
    const hooked = hook ? await hook.prepare() : undefined;
    const results = await this.#commit(jobs, hooked);
    this.#options.onCommitted?.();
    hooked?.committed();
    return results;
  }

  async #commit(jobs: IngestJob[], hooked?: HookedTransaction<AlertTable>): Promise<IngestJobResult[]> {
    const { db, audit, dedupWindowSeconds } = this.#options;
    const windowMs = dedupWindowSeconds * 1000;
    return db.transaction().execute(async (trx) => {
      const now = new Date().toISOString();
      const fingerprints = [...new Set(jobs.flatMap((j) => j.drafts.map((d) => d.fingerprint)))];
      // Every stored alert with a fingerprint of this batch whose time range could cover one of its
      // records: a fingerprint can have several alerts, one per burst separated by more than the window.
      const known = new Map<string, Known[]>();
      let earliest = Infinity;
      let latest = -Infinity;
      for (const job of jobs) {
        for (const { draft } of job.drafts) {
          const at = Date.parse(draft.eventTime);
          if (at < earliest) earliest = at;
          if (at > latest) latest = at;
        }
      }
      if (windowMs > 0 && earliest <= latest) {
        const from = new Date(earliest - windowMs).toISOString();
        const to = new Date(latest + windowMs).toISOString();
        for (let i = 0; i < fingerprints.length; i += CHUNK) {
          const rows = await trx
            .selectFrom('alerts')
            .select(['id', 'fingerprint', 'first_seen', 'last_seen'])
            .where('fingerprint', 'in', fingerprints.slice(i, i + CHUNK))
            .where('last_seen', '>=', from)
            .where('first_seen', '<=', to)
            .execute();
          for (const row of rows) {
            const entry = { id: row.id, firstSeen: row.first_seen, lastSeen: row.last_seen, addedCount: 0 };
            const list = known.get(row.fingerprint);
            if (list) list.push(entry);
            else known.set(row.fingerprint, [entry]);
          }
        }
      }
      const covering = (fingerprint: string, at: number): Known | undefined =>
        windowMs > 0
          ? known
              .get(fingerprint)
              ?.find(
                (k) => at >= Date.parse(k.firstSeen) - windowMs && at <= Date.parse(k.lastSeen) + windowMs,
              )
          : undefined;

      const fresh: AlertTable[] = [];
      const auditEntries: AuditEntry[] = [];
      const results = jobs.map((job): IngestJobResult => {
        const alertIds: string[] = [];
        let duplicates = 0;
        for (const { draft, fingerprint } of job.drafts) {
          const seen = covering(fingerprint, Date.parse(draft.eventTime));
          if (seen) {
            duplicates++;
            seen.addedCount++;
            if (draft.eventTime > seen.lastSeen) seen.lastSeen = draft.eventTime;
            if (draft.eventTime < seen.firstSeen) seen.firstSeen = draft.eventTime;
            alertIds.push(seen.id);
            continue;
          }
          const row = toRow(job, draft, fingerprint, now);
          fresh.push(row);
          const entry = {
            id: row.id,
            firstSeen: row.first_seen,
            lastSeen: row.last_seen,
            addedCount: 0,
            fresh: row,
          };
          const list = known.get(fingerprint);
          if (list) list.push(entry);
          else known.set(fingerprint, [entry]);
          alertIds.push(row.id);
        }
        auditEntries.push({
          actor: job.actor,
          action: 'alerts.ingest',
          targetType: 'source',
          targetId: job.source,
          details: { accepted: alertIds.length, duplicates, rejected: job.rejected },
        });
        return { alertIds, duplicates };
      });

      for (const { fresh: row, addedCount, firstSeen, lastSeen } of [...known.values()].flat()) {
        if (!row) continue;
        row.count += addedCount;
        row.first_seen = firstSeen;
        row.last_seen = lastSeen;
      }
      for (let i = 0; i < fresh.length; i += CHUNK) {
        await trx
          .insertInto('alerts')
          .values(fresh.slice(i, i + CHUNK))
          .execute();
      }
      for (const entry of [...known.values()].flat()) {
        if (entry.fresh || entry.addedCount === 0) continue;
        await trx
          .updateTable('alerts')
          .set((eb) => ({
            count: eb('count', '+', entry.addedCount),
            first_seen: entry.firstSeen,
            last_seen: entry.lastSeen,
          }))
          .where('id', '=', entry.id)
          .execute();
      }
      await audit.append(trx, auditEntries, now);
      if (hooked && fresh.length > 0) await hooked.write(trx, fresh);
      return results;
    });
  }
}

function toRow(job: IngestJob, draft: AlertDraft, fingerprint: string, now: string): AlertTable {
  return {
    id: newId('alert_'),
    source: job.source,
    format: job.format,
    source_ref: draft.sourceRef ?? null,
    fingerprint,
    title: draft.title,
    description: draft.description ?? null,
    severity: draft.severity,
    severity_id: SEVERITY_ID[draft.severity],
    category: draft.category,
    rule_id: draft.rule?.id ?? null,
    rule_name: draft.rule?.name ?? null,
    event_time: draft.eventTime,
    first_seen: draft.eventTime,
    last_seen: draft.eventTime,
    count: 1,
    case_id: null,
    status: 'new',
    observables: JSON.stringify(draft.observables),
    mitre: JSON.stringify(draft.mitre),
    raw: JSON.stringify(draft.raw),
    created_at: now,
  };
}
