import { sql, type Transaction } from 'kysely';
import type { Dialect } from '../store/database.ts';
import type { DatabaseSchema } from '../store/schema.ts';

/** A stored alert that dedup may count a new record on. */
export interface StoredSighting {
  id: string;
  fingerprint: string;
  first_seen: string;
  last_seen: string;
}

/**
 * Dedup's index of stored fingerprints, as one ingest transaction sees it. `find` and `stored` run
 * inside the transaction (which holds the write lock), `committed` after it committed; a transaction
 * that rolls back is simply never told `committed`.
 */
export interface DedupLookup {
  /** The stored alerts with one of these fingerprints whose sightings reach into [from, to]. */
  find(fingerprints: readonly string[], from: string, to: string): Promise<StoredSighting[]>;
  /** The transaction stored these new alerts (after their INSERT, before the commit). */
  stored(rows: readonly { id: string; fingerprint: string }[]): Promise<void>;
  committed(): void;
}

export interface DedupIndex {
  begin(trx: Transaction<DatabaseSchema>): DedupLookup;
}

/** Fingerprints per lookup statement: two lists of them stay well under SQLite's parameter limit. */
const CHUNK = 400;
/** The index holds this many leading characters of each fingerprint (migrations 0014 and 0015). */
const PREFIX_LENGTH = 6;
const FINGERPRINT_PREFIX = sql<string>`substr(fingerprint, 1, ${sql.lit(PREFIX_LENGTH)})`;
/** How many alerts the recent tier holds before they are merged into `alert_fingerprints`. */
export const DEFAULT_MERGE_AT = 50_000;

export function dedupIndexFor(dialect: Dialect, mergeAt = DEFAULT_MERGE_AT): DedupIndex {
  return dialect === 'sqlite' ? new TieredDedupIndex(mergeAt) : new ExpressionDedupIndex();
}

/**
 * PostgreSQL: the expression index on the fingerprint's first characters (migration 0014), looked up
 * by naming the same expression; the whole fingerprint settles collisions. Kept here because several
 * API processes write at once and nothing tells one of them cheaply that another has committed.
 */
class ExpressionDedupIndex implements DedupIndex {
  begin(trx: Transaction<DatabaseSchema>): DedupLookup {
    return {
      find: async (fingerprints, from, to) => {
        const found: StoredSighting[] = [];
        for (let i = 0; i < fingerprints.length; i += CHUNK) {
          const part = fingerprints.slice(i, i + CHUNK);
          found.push(
            ...(await trx
              .selectFrom('alerts')
              .select(['id', 'fingerprint', 'first_seen', 'last_seen'])
              .where(
                FINGERPRINT_PREFIX,
                'in',
                part.map((f) => f.slice(0, PREFIX_LENGTH)),
              )
              .where('fingerprint', 'in', part)
              .where('last_seen', '>=', from)
              .where('first_seen', '<=', to)
              .execute()),
          );
        }
        return found;
      },
      stored: async () => undefined,
      committed: () => undefined,
    };
  }
}

/**
 * SQLite: two tiers, so that storing an alert writes no page at a random place.
 *
 * - **merged**: `alert_fingerprints` (migration 0015), keyed by the fingerprint's first characters
 *   and the alert's rowid, holding every alert up to `dedup_merge.merged_rowid`.
 * - **recent**: the alerts stored since, in memory (fingerprint → alert ids). When it reaches
 *   `mergeAt`, the transaction that filled it merges them into the table in one sorted INSERT: each
 *   page of the index is then written once per merge instead of about once per alert.
 *
 * The memory is only right while every alert past the merge mark went through it. Each transaction
 * checks the largest alert rowid against the one this index saw at its last commit: when another
 * writer stored alerts in between (the CLI's `riposte ingest` beside a running server, say), or on
 * the first transaction, every alert past `merged_rowid` is merged from the table first and the
 * memory starts empty. Alerts are never deleted, so their rowids have no gaps (VACUUM
 * has nothing to renumber) and only grow.
 */
class TieredDedupIndex implements DedupIndex {
  readonly #mergeAt: number;
  /** Fingerprint → ids of the alerts stored since the last merge (while `#lastRowid` is current). */
  #recent = new Map<string, string | string[]>();
  #recentSize = 0;
  /** The largest alert rowid when this index's last transaction committed. */
  #lastRowid: number | undefined;

  constructor(mergeAt: number) {
    this.#mergeAt = mergeAt;
  }

  begin(trx: Transaction<DatabaseSchema>): DedupLookup {
    let lastRowid: number | undefined;
    // Merged in this transaction: the memory (and this transaction's own additions) are in the table.
    let merged = false;
    let added: { id: string; fingerprint: string }[] = [];
    const merge = async (): Promise<void> => {
      await mergeFromTable(trx);
      merged = true;
      added = [];
    };
    const sync = async (): Promise<void> => {
      if (lastRowid !== undefined) return;
      lastRowid = await largestRowid(trx);
      if (lastRowid !== this.#lastRowid) await merge();
    };
    return {
      find: async (fingerprints, from, to) => {
        await sync();
        const found = new Map<string, StoredSighting>();
        for (let i = 0; i < fingerprints.length; i += CHUNK) {
          const part = fingerprints.slice(i, i + CHUNK);
          // One prefix per fingerprint, repeats and all: the statement's text then depends only on
          // how many fingerprints there are, and stays in the prepared-statement cache.
          const prefixes = part.map((f) => f.slice(0, PREFIX_LENGTH));
          const { rows } = await sql<StoredSighting>`SELECT a.id, a.fingerprint, a.first_seen, a.last_seen
            FROM alert_fingerprints f JOIN alerts a ON a.rowid = f.alert_rowid
            WHERE f.prefix IN (${sql.join(prefixes)}) AND a.fingerprint IN (${sql.join(part)})
              AND a.last_seen >= ${from} AND a.first_seen <= ${to}`.execute(trx);
          for (const row of rows) found.set(row.id, row);
        }
        if (!merged) {
          const ids = fingerprints.flatMap((f) => this.#recent.get(f) ?? []);
          for (let i = 0; i < ids.length; i += CHUNK) {
            const rows = await trx
              .selectFrom('alerts')
              .select(['id', 'fingerprint', 'first_seen', 'last_seen'])
              .where('id', 'in', ids.slice(i, i + CHUNK))
              .where('last_seen', '>=', from)
              .where('first_seen', '<=', to)
              .execute();
            for (const row of rows) found.set(row.id, row);
          }
        }
        return [...found.values()];
      },
      stored: async (rows) => {
        await sync();
        if (rows.length === 0) return;
        for (const { id, fingerprint } of rows) added.push({ id, fingerprint });
        lastRowid = await largestRowid(trx);
        if ((merged ? 0 : this.#recentSize) + added.length >= this.#mergeAt) await merge();
      },
      committed: () => {
        this.#lastRowid = lastRowid;
        if (merged) {
          this.#recent = new Map();
          this.#recentSize = 0;
        }
        for (const { id, fingerprint } of added) {
          const ids = this.#recent.get(fingerprint);
          if (ids === undefined) this.#recent.set(fingerprint, id);
          else if (typeof ids === 'string') this.#recent.set(fingerprint, [ids, id]);
          else ids.push(id);
        }
        this.#recentSize += added.length;
      },
    };
  }
}

async function largestRowid(trx: Transaction<DatabaseSchema>): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT coalesce(max(rowid), 0) AS n FROM alerts`.execute(trx);
  return Number(rows[0]!.n);
}

/** Every alert past the merge mark into `alert_fingerprints`, in key order, and the mark moved on. */
async function mergeFromTable(trx: Transaction<DatabaseSchema>): Promise<void> {
  await sql`INSERT OR IGNORE INTO alert_fingerprints (prefix, alert_rowid)
    SELECT ${FINGERPRINT_PREFIX}, rowid FROM alerts
    WHERE rowid > (SELECT merged_rowid FROM dedup_merge WHERE id = 1)
    ORDER BY 1, 2`.execute(trx);
  await sql`UPDATE dedup_merge SET merged_rowid = (SELECT coalesce(max(rowid), 0) FROM alerts)
    WHERE id = 1`.execute(trx);
}
