import type { Kysely, Transaction } from 'kysely';
import type { AuditEntry, AuditLog, Actor } from '../audit/audit-log.ts';
import type { CaseChange } from '../cases/case-change.ts';
import { groupAlerts, lockGrouping, openedCases } from '../cases/case-grouper.ts';
import { publishGrouped } from '../cases/grouping-stage.ts';
import type { GroupingRule } from '../config.ts';
import { SEVERITY_ID } from '../core/alert.ts';
import { nowIso } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import type { LivePublisher } from '../live/live-event.ts';
import type { Dialect } from '../store/database.ts';
import type { AlertTable, DatabaseSchema } from '../store/schema.ts';
import { insertRows } from '../store/bulk-insert.ts';
import { GroupCommit } from '../store/group-commit.ts';
import { storageTrouble } from '../store/storage-errors.ts';
import { observablesOf } from './alert-query.ts';
import { dedupIndexFor, type DedupIndex } from './dedup-index.ts';
import type { PreparedAlert } from './prepare-body.ts';
import type { HookedTransaction, TransactionHook } from '../store/transaction-hook.ts';

export interface IngestJob {
  source: string;
  format: string;
  actor: Actor;
  alerts: PreparedAlert[];
  rejected: number;
}

export interface IngestJobResult {
  /** One id per accepted draft, in order: the new alert's, or the earlier alert's it duplicated. */
  alertIds: string[];
  duplicates: number;
}

export interface IngestWriterOptions {
  db: Kysely<DatabaseSchema>;
  dialect: Dialect;
  audit: AuditLog;
  dedupWindowSeconds: number;
  /** SQLite: how many new alerts dedup keeps in memory before merging them into its table (tests). */
  dedupMergeAt?: number;
  /**
   * Grouping rules: new alerts are grouped into cases in the transaction that stores them, so each
   * alert row is written once, with its case. Without rules (or when grouping fails) alerts are
   * stored without a case and `onUngrouped` hands them to the grouping stage.
   */
  grouping?: readonly GroupingRule[];
  /** Called after a commit that stored alerts without their case (the grouping stage takes them). */
  onUngrouped?: () => void;
  /**
   * Called when the transaction with grouping failed, whatever the cause; the batch is then written
   * again without grouping (and if that fails too, the write fails as any other).
   */
  onGroupingError?: (error: unknown) => void;
  /** Sees every new alert inside the transaction that stores it (playbook triggers). */
  alertHook?: TransactionHook<AlertTable>;
  /** Sees the cases grouping opens, inside that transaction (playbook triggers). */
  caseHook?: TransactionHook<CaseChange>;
  /** Told each grouped alert (alert.created) and each case it touched (case.changed), after the commit. */
  live?: LivePublisher;
  /** Told how many new alerts each commit stored, after it (src/store/planner-statistics.ts). */
  onStored?: (count: number) => void;
}

interface Hooks {
  alerts?: HookedTransaction<AlertTable>;
  cases?: HookedTransaction<CaseChange>;
}

interface Known {
  id: string;
  firstSeen: string;
  lastSeen: string;
  addedCount: number;
  /** Set when the alert is inserted by this batch. */
  fresh?: AlertTable;
}

/**
 * Writes ingested alerts durably: dedup by fingerprint within the window, grouping into cases, the
 * alerts themselves and one audit row per source and sender, all in one transaction per group
 * commit. If grouping fails, the batch is written again without it and the grouping stage
 * (src/cases/grouping-stage.ts) groups those alerts later: a grouping fault never costs an alert.
 */
export class IngestWriter {
  readonly #options: IngestWriterOptions;
  readonly #commits: GroupCommit<IngestJob, IngestJobResult>;
  readonly #dedup: DedupIndex;

  constructor(options: IngestWriterOptions) {
    this.#options = options;
    this.#dedup = dedupIndexFor(options.dialect, options.dedupMergeAt);
    this.#commits = new GroupCommit((jobs) => this.#flush(jobs));
  }

  write(job: IngestJob): Promise<IngestJobResult> {
    return this.#commits.submit(job);
  }

  drain(): Promise<void> {
    return this.#commits.drain();
  }

  async #flush(jobs: IngestJob[]): Promise<IngestJobResult[]> {
    const { grouping, onGroupingError, onUngrouped, onStored, live } = this.#options;
    if (grouping && grouping.length > 0) {
      const hooks = await this.#prepare(true);
      try {
        const { results, fresh } = await this.#commit(jobs, hooks, grouping);
        hooks.alerts?.committed();
        hooks.cases?.committed();
        if (live?.listening && fresh.length > 0) publishGrouped(live, fresh);
        onStored?.(fresh.length);
        return results;
      } catch (error) {
        // Without grouping the database would refuse the batch just the same.
        if (storageTrouble(error)) throw error;
        onGroupingError?.(error);
      }
    }
    const hooks = await this.#prepare(false);
    const { results, fresh } = await this.#commit(jobs, hooks);
    hooks.alerts?.committed();
    if (fresh.length > 0) onUngrouped?.();
    onStored?.(fresh.length);
    return results;
  }

  async #prepare(grouped: boolean): Promise<Hooks> {
    const { alertHook, caseHook } = this.#options;
    return {
      ...(alertHook ? { alerts: await alertHook.prepare() } : {}),
      ...(grouped && caseHook ? { cases: await caseHook.prepare() } : {}),
    };
  }

  async #commit(
    jobs: IngestJob[],
    hooks: Hooks,
    grouping?: readonly GroupingRule[],
  ): Promise<{ results: IngestJobResult[]; fresh: AlertTable[] }> {
    const { db, audit, dedupWindowSeconds } = this.#options;
    const windowMs = dedupWindowSeconds * 1000;
    const outcome = await db.transaction().execute(async (trx) => {
      const now = nowIso();
      const fingerprints = [...new Set(jobs.flatMap((j) => j.alerts.map((a) => a.fingerprint)))];
      // Every stored alert with a fingerprint of this batch whose time range could cover one of its
      // records: a fingerprint can have several alerts, one per burst separated by more than the window.
      const known = new Map<string, Known[]>();
      const remember = (fingerprint: string, entry: Known): void => {
        const list = known.get(fingerprint);
        if (list) list.push(entry);
        else known.set(fingerprint, [entry]);
      };
      // Each record's event time, parsed once: for the lookup's time range and for its own dedup.
      const times = jobs.map((job) => job.alerts.map((a) => Date.parse(a.eventTime)));
      let earliest = Infinity;
      let latest = -Infinity;
      for (const at of times.flat()) {
        if (at < earliest) earliest = at;
        if (at > latest) latest = at;
      }
      // Several API processes may share a PostgreSQL: they take turns from dedup's lookup to the
      // commit, or two receiving the same record at once would each find nothing and both store it.
      // Its own statement, before the lookup: the lookup's snapshot then sees what the last holder
      // committed. Grouping, which needs the same lock, finds it held.
      await lockGrouping(trx, this.#options.dialect);
      const dedup = await this.#dedup.begin(trx);
      if (windowMs > 0 && earliest <= latest) {
        const from = new Date(earliest - windowMs).toISOString();
        const to = new Date(latest + windowMs).toISOString();
        for (const row of await dedup.find(fingerprints, from, to))
          remember(row.fingerprint, {
            id: row.id,
            firstSeen: row.first_seen,
            lastSeen: row.last_seen,
            addedCount: 0,
          });
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
      const ingested = new IngestAudit();
      const results = jobs.map((job, j): IngestJobResult => {
        const alertIds: string[] = [];
        let duplicates = 0;
        for (const [i, alert] of job.alerts.entries()) {
          const { fingerprint, eventTime } = alert;
          const seen = covering(fingerprint, times[j]![i]!);
          if (seen) {
            duplicates++;
            seen.addedCount++;
            if (eventTime > seen.lastSeen) seen.lastSeen = eventTime;
            if (eventTime < seen.firstSeen) seen.firstSeen = eventTime;
            alertIds.push(seen.id);
            continue;
          }
          const row = toRow(job, alert, now);
          fresh.push(row);
          remember(fingerprint, {
            id: row.id,
            firstSeen: row.first_seen,
            lastSeen: row.last_seen,
            addedCount: 0,
            fresh: row,
          });
          alertIds.push(row.id);
        }
        // As in the 202: accepted = stored as new; duplicates counted on earlier alerts.
        ingested.add(job, alertIds.length - duplicates, duplicates);
        return { alertIds, duplicates };
      });

      for (const { fresh: row, addedCount, firstSeen, lastSeen } of [...known.values()].flat()) {
        if (!row) continue;
        row.count += addedCount;
        row.first_seen = firstSeen;
        row.last_seen = lastSeen;
      }
      const cases = grouping ? await this.#group(trx, fresh, grouping, now) : [];
      await insertRows(trx, this.#options.dialect, 'alerts', fresh);
      await dedup.stored(fresh);
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
      await audit.append(trx, [...ingested.entries(), ...cases], now);
      if (hooks.alerts && fresh.length > 0) await hooks.alerts.write(trx, fresh);
      const opened = openedCases(cases);
      if (hooks.cases && opened.length > 0) await hooks.cases.write(trx, opened);
      return { results, fresh, dedup };
    });
    outcome.dedup.committed();
    return { results: outcome.results, fresh: outcome.fresh };
  }

  /**
   * Groups the batch's new alerts (sets their case_id before they are inserted); returns the audit
   * entries. The transaction holds the grouping lock already.
   */
  async #group(
    trx: Transaction<DatabaseSchema>,
    fresh: AlertTable[],
    rules: readonly GroupingRule[],
    now: string,
  ): Promise<AuditEntry[]> {
    if (fresh.length === 0) return [];
    return groupAlerts(
      trx,
      this.#options.dialect,
      fresh.map((row) => ({ row, observables: observablesOf(row) })),
      rules,
      now,
    );
  }
}

/**
 * The audit rows of one commit: one per source and sender (actor and address), however many requests
 * it holds — a webhook sending one alert per request would otherwise add an audit row per alert.
 */
class IngestAudit {
  readonly #bySender = new Map<string, AuditEntry & { details: IngestCounts }>();

  add(job: IngestJob, accepted: number, duplicates: number): void {
    const key = `${job.source}\u0002${job.actor.type}\u0002${job.actor.id}\u0002${job.actor.ip ?? ''}`;
    const entry = this.#bySender.get(key);
    if (entry) {
      entry.details.requests++;
      entry.details.accepted += accepted;
      entry.details.duplicates += duplicates;
      entry.details.rejected += job.rejected;
      return;
    }
    this.#bySender.set(key, {
      actor: job.actor,
      action: 'alerts.ingest',
      targetType: 'source',
      targetId: job.source,
      details: { requests: 1, accepted, duplicates, rejected: job.rejected },
    });
  }

  entries(): AuditEntry[] {
    return [...this.#bySender.values()];
  }
}

interface IngestCounts {
  requests: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

function toRow(job: IngestJob, alert: PreparedAlert, now: string): AlertTable {
  return {
    id: newId('alert_'),
    source: job.source,
    format: job.format,
    source_ref: alert.sourceRef,
    fingerprint: alert.fingerprint,
    title: alert.title,
    description: alert.description,
    severity: alert.severity,
    severity_id: SEVERITY_ID[alert.severity],
    category: alert.category,
    rule_id: alert.ruleId,
    rule_name: alert.ruleName,
    event_time: alert.eventTime,
    first_seen: alert.eventTime,
    last_seen: alert.eventTime,
    count: 1,
    case_id: null,
    status: 'new',
    observables: alert.observables,
    mitre: alert.mitre,
    raw: alert.raw,
    created_at: now,
  };
}
