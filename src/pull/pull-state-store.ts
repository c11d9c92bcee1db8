import type { Kysely, Transaction } from 'kysely';
import { nowIso } from '../core/clock.ts';
import type { DatabaseSchema, SourcePullCursorTable } from '../store/schema.ts';

export type PullRow = SourcePullCursorTable;

/** What a committed page adds to a source's counts. */
export interface PageCounts {
  records: number;
  stored: number;
  duplicates: number;
  rejected: number;
}

/**
 * The rows of `source_pull_cursors` (migration 0027): where each pulled source stands, and the claims
 * that let one process at a time poll it. A claim is taken by moving `next_poll_at` a lease ahead in
 * a conditional update (of several processes exactly one succeeds); every later write of the poll
 * checks the claim, so a process that stalled past its lease and lost the source writes nothing.
 */
export class PullStateStore {
  readonly #db: Kysely<DatabaseSchema>;

  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async rows(): Promise<PullRow[]> {
    return this.#db.selectFrom('source_pull_cursors').selectAll().orderBy('source').execute();
  }

  async row(source: string): Promise<PullRow | undefined> {
    return this.#db
      .selectFrom('source_pull_cursors')
      .selectAll()
      .where('source', '=', source)
      .executeTakeFirst();
  }

  /**
   * A row for a pulled source, due now when it is new. A source moved to another instance (perhaps
   * another tenant) starts over: the old position means nothing there.
   */
  async ensure(source: string, integration: string, instance: string, current?: PullRow): Promise<void> {
    const now = nowIso();
    if (!current) {
      await this.#db
        .insertInto('source_pull_cursors')
        .values({
          source,
          integration,
          instance,
          cursor: null,
          next_poll_at: now,
          claim: null,
          last_poll_at: null,
          last_success_at: null,
          last_error: null,
          last_error_at: null,
          failures: 0,
          records: 0,
          stored: 0,
          duplicates: 0,
          rejected: 0,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('source').doNothing())
        .execute();
      return;
    }
    if (current.integration === integration && current.instance === instance) return;
    await this.#db
      .updateTable('source_pull_cursors')
      .set({ integration, instance, cursor: null, next_poll_at: now, failures: 0, updated_at: now })
      .where('source', '=', source)
      .where('integration', '=', current.integration)
      .where('instance', '=', current.instance)
      .execute();
  }

  /** Takes the poll of a due source; false when another process took it first (or it is not due). */
  async claim(row: PullRow, claim: string, leaseUntil: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('source_pull_cursors')
      .set({ claim, next_poll_at: leaseUntil, last_poll_at: nowIso() })
      .where('source', '=', row.source)
      .where('next_poll_at', '=', row.next_poll_at)
      .where('next_poll_at', '<=', nowIso())
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Stores the position after a page whose alerts are committed, adds its counts and renews the
   * lease; false when the claim was lost (nothing written).
   */
  async savePage(
    source: string,
    claim: string,
    cursor: unknown,
    counts: PageCounts,
    leaseUntil: string,
  ): Promise<boolean> {
    const result = await this.#db
      .updateTable('source_pull_cursors')
      .set((eb) => ({
        cursor: JSON.stringify(cursor),
        next_poll_at: leaseUntil,
        records: eb('records', '+', counts.records),
        stored: eb('stored', '+', counts.stored),
        duplicates: eb('duplicates', '+', counts.duplicates),
        rejected: eb('rejected', '+', counts.rejected),
        updated_at: nowIso(),
      }))
      .where('source', '=', source)
      .where('claim', '=', claim)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Ends a poll: releases the claim and sets when the source is due next, with how the poll went. */
  async finish(
    source: string,
    claim: string,
    outcome: { nextPollAt: string } & ({ ok: true } | { ok: false; error: string }),
  ): Promise<void> {
    const now = nowIso();
    await this.#db
      .updateTable('source_pull_cursors')
      .set((eb) =>
        outcome.ok
          ? {
              claim: null,
              next_poll_at: outcome.nextPollAt,
              last_success_at: now,
              failures: 0,
              updated_at: now,
            }
          : {
              claim: null,
              next_poll_at: outcome.nextPollAt,
              last_error: outcome.error,
              last_error_at: now,
              failures: eb('failures', '+', 1),
              updated_at: now,
            },
      )
      .where('source', '=', source)
      .where('claim', '=', claim)
      .execute();
  }

  /** Gives a poll up without a verdict (the process is stopping): due again at once, for any process. */
  async release(source: string, claim: string): Promise<void> {
    await this.#db
      .updateTable('source_pull_cursors')
      .set({ claim: null, next_poll_at: nowIso(), updated_at: nowIso() })
      .where('source', '=', source)
      .where('claim', '=', claim)
      .execute();
  }

  /**
   * Brings the next poll forward to `at` unless a poll is under way (an administrator's "pull now", or
   * a shorter interval than the one the source was last scheduled with).
   */
  async dueBy(source: string, at: string, trx?: Transaction<DatabaseSchema>): Promise<boolean> {
    const result = await (trx ?? this.#db)
      .updateTable('source_pull_cursors')
      .set({ next_poll_at: at, updated_at: nowIso() })
      .where('source', '=', source)
      .where('claim', 'is', null)
      .where('next_poll_at', '>', at)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async remove(source: string): Promise<void> {
    await this.#db.deleteFrom('source_pull_cursors').where('source', '=', source).execute();
  }
}
