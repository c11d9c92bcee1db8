import type { Kysely, UpdateQueryBuilder, UpdateResult } from 'kysely';
import type { AuditLog } from '../audit/audit-log.ts';
import { nowMs } from '../core/clock.ts';
import type { DatabaseSchema, SourceTable } from '../store/schema.ts';
import { OWN_SOURCE, type Source } from './source-service.ts';

/** What the notification webhook is sent when a watched source goes silent or sends again. */
export interface SourceSilenceNotice {
  kind: 'source_silent' | 'source_resumed';
  source: string;
  format: string;
  expectWithinSeconds: number | null;
  /** When it last sent anything accepted (null: never since it was watched). */
  lastReceivedAt: string | null;
  /** When it was reported silent. */
  silentSince: string;
  /** source_resumed: when it was seen sending again. */
  resumedAt?: string;
  /** source_silent: the alert Riposte raised about it (in the alert queue, under the source `riposte`). */
  alertId?: string;
  at: string;
}

/**
 * The source Riposte's own alerts are ingested as: not a row (no token, nothing can send as it), and
 * its name is reserved.
 */
export const ownSource: Source = {
  name: OWN_SOURCE,
  format: 'ocsf',
  options: {},
  requireSignature: false,
  createdAt: '1970-01-01T00:00:00.000Z',
  createdBy: 'riposte',
  tokenRotatedAt: null,
  previousTokenValidUntil: null,
  expectWithinSeconds: null,
  lastReceivedAt: null,
  silentSince: null,
  alertLimitPerMinute: null,
};
/** The rule of the alert raised for a silent source: what a playbook's trigger can match. */
export const SILENCE_RULE = 'riposte.source_silent';

export interface SourceWatchOptions {
  db: Kysely<DatabaseSchema>;
  audit: AuditLog;
  /** Told once per silence and once per resumption, after the change commits; errors are logged. */
  notify: (notice: SourceSilenceNotice) => Promise<void>;
  /**
   * Raises the alert for a silence (an OCSF Detection Finding, `silenceFinding`, ingested as from the
   * source `riposte`) and returns its id; before `notify`, which then names it.
   */
  raise?: (finding: Record<string, unknown>) => Promise<string | undefined>;
  onError: (error: unknown, what: string) => void;
  /** Told the source names whose state changed (the console's live view of the sources). */
  changed?: (source: string) => void;
}

const WATCH_ACTOR = { id: 'source-watch', type: 'system' as const };
type SourceUpdate = UpdateQueryBuilder<DatabaseSchema, 'sources', 'sources', UpdateResult>;

/**
 * Watches the sources that have an expectation (`expectWithinSeconds`): one quiet for longer — nothing
 * accepted from it since `now − expectation`, counting from when it was first watched — is marked
 * silent, audited (`source.silent`) and announced; when it sends again it is marked resumed
 * (`source.resumed`) and announced. Each change is a conditional UPDATE of the source's row, so of
 * several processes checking at once exactly one makes it and announces it.
 */
export class SourceWatch {
  readonly #options: SourceWatchOptions;

  constructor(options: SourceWatchOptions) {
    this.#options = options;
  }

  /** One look at every watched source; returns the names that went silent and those that resumed. */
  async check(now = nowMs()): Promise<{ silent: string[]; resumed: string[] }> {
    const { db } = this.#options;
    const watched = await db
      .selectFrom('sources')
      .selectAll()
      .where('expect_within_seconds', 'is not', null)
      .orderBy('name')
      .execute();
    const silent: string[] = [];
    const resumed: string[] = [];
    for (const row of watched) {
      const expectMs = Number(row.expect_within_seconds) * 1000;
      const heardAt = Math.max(
        row.last_received_at === null ? 0 : Date.parse(row.last_received_at),
        row.watched_since === null ? 0 : Date.parse(row.watched_since),
      );
      const quiet = now - heardAt > expectMs;
      try {
        if (quiet && row.silent_since === null) {
          if (await this.#goSilent(row, now)) silent.push(row.name);
        } else if (!quiet && row.silent_since !== null) {
          if (await this.#resume(row, now)) resumed.push(row.name);
        }
      } catch (error) {
        this.#options.onError(error, `watching source ${row.name} for silence failed`);
      }
    }
    return { silent, resumed };
  }

  async #goSilent(row: SourceTable, now: number): Promise<boolean> {
    const at = new Date(now).toISOString();
    const expectWithinSeconds = Number(row.expect_within_seconds);
    // Still silent by what the row says now, and nobody announced it yet.
    const claimed = await this.#claim(
      row,
      { silent_since: at },
      (update) =>
        update
          .where('silent_since', 'is', null)
          .where('expect_within_seconds', '=', expectWithinSeconds)
          .where((eb) =>
            eb.or([eb('last_received_at', 'is', null), eb('last_received_at', '=', row.last_received_at)]),
          ),
      'source.silent',
      { expectWithinSeconds, lastReceivedAt: row.last_received_at },
    );
    if (claimed)
      await this.#announce({
        kind: 'source_silent',
        source: row.name,
        format: row.format,
        expectWithinSeconds,
        lastReceivedAt: row.last_received_at,
        silentSince: at,
        at,
      });
    return claimed;
  }

  async #resume(row: SourceTable, now: number): Promise<boolean> {
    const at = new Date(now).toISOString();
    const silentSince = row.silent_since!;
    const claimed = await this.#claim(
      row,
      { silent_since: null },
      (update) => update.where('silent_since', '=', silentSince),
      'source.resumed',
      { silentSince, lastReceivedAt: row.last_received_at },
    );
    if (claimed)
      await this.#announce({
        kind: 'source_resumed',
        source: row.name,
        format: row.format,
        expectWithinSeconds: row.expect_within_seconds === null ? null : Number(row.expect_within_seconds),
        lastReceivedAt: row.last_received_at,
        silentSince,
        resumedAt: at,
        at,
      });
    return claimed;
  }

  /**
   * The change to the source's row, made only if `guard` still holds, and its audit row, in one
   * transaction: true when this process made it (and so announces it).
   */
  #claim(
    row: SourceTable,
    change: Partial<SourceTable>,
    guard: (update: SourceUpdate) => SourceUpdate,
    action: 'source.silent' | 'source.resumed',
    details: Record<string, unknown>,
  ): Promise<boolean> {
    return this.#options.db.transaction().execute(async (trx) => {
      const result = await guard(
        trx.updateTable('sources').set(change).where('name', '=', row.name),
      ).executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await this.#options.audit.append(trx, [
        { actor: WATCH_ACTOR, action, targetType: 'source', targetId: row.name, details },
      ]);
      return true;
    });
  }

  async #announce(notice: SourceSilenceNotice): Promise<void> {
    this.#options.changed?.(notice.source);
    let alertId: string | undefined;
    if (notice.kind === 'source_silent' && this.#options.raise)
      alertId = await this.#options.raise(silenceFinding(notice)).catch((error: unknown) => {
        this.#options.onError(error, `raising the alert for silent source ${notice.source} failed`);
        return undefined;
      });
    this.#options
      .notify(alertId === undefined ? notice : { ...notice, alertId })
      .catch((error: unknown) =>
        this.#options.onError(error, `announcing that source ${notice.source} is ${notice.kind} failed`),
      );
  }
}

/**
 * The alert for a silent source, as an OCSF 1.1 Detection Finding (class 2004, medium): titled after
 * the source, its rule `riposte.source_silent`, its uid the source and the moment it went silent (so a
 * repeat of the same silence is a duplicate, not a second alert).
 */
export function silenceFinding(notice: SourceSilenceNotice): Record<string, unknown> {
  const last =
    notice.lastReceivedAt === null
      ? 'nothing has been accepted from it since it was watched'
      : `the last was accepted at ${notice.lastReceivedAt}`;
  return {
    class_uid: 2004,
    class_name: 'Detection Finding',
    category_uid: 2,
    activity_id: 1,
    type_uid: 200401,
    severity_id: 3,
    status_id: 1,
    time: Date.parse(notice.silentSince),
    message: `Ingest source ${notice.source} (${notice.format}) has sent nothing for longer than expected`,
    finding_info: {
      uid: `${SILENCE_RULE}:${notice.source}:${notice.silentSince}`,
      title: `Ingest source ${notice.source} is silent`,
      desc: `Source ${notice.source} (${notice.format}) is expected to send within ${notice.expectWithinSeconds} seconds; ${last}. Alerts it would have sent are not reaching Riposte: check the sender, its token and the network path.`,
      types: ['Ingest health'],
      analytic: { uid: SILENCE_RULE, name: 'Ingest source silent', type_id: 1, type: 'Rule' },
    },
    metadata: { version: '1.1.0', product: { name: 'Riposte', vendor_name: 'Riposte' } },
  };
}
