import { sql, type Transaction } from 'kysely';
import { insertRows } from '../store/bulk-insert.ts';
import type { Dialect } from '../store/database.ts';
import type { AlertFingerprintTable, DatabaseSchema } from '../store/schema.ts';

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
  /** The transaction stored these new alerts, in the order they were inserted (after the INSERT). */
  stored(rows: readonly { fingerprint: string }[]): Promise<void>;
  committed(): void;
}

export interface DedupIndex {
  /** Opens the index for one ingest transaction, at its start (before it inserts any alert). */
  begin(trx: Transaction<DatabaseSchema>): Promise<DedupLookup>;
}

/** Fingerprints per lookup statement: two lists of them stay well under SQLite's parameter limit. */
const CHUNK = 400;
/** The index holds this many leading characters of each fingerprint (migrations 0014 and 0015). */
const PREFIX_LENGTH = 6;
const FINGERPRINT_PREFIX = sql<string>`substr(fingerprint, 1, ${sql.lit(PREFIX_LENGTH)})`;
/** How many alerts the recent tier holds before they are merged into `alert_fingerprints`. */
export const DEFAULT_MERGE_AT = 100_000;

export function dedupIndexFor(dialect: Dialect, mergeAt = DEFAULT_MERGE_AT): DedupIndex {
  return dialect === 'sqlite' ? new TieredDedupIndex(mergeAt) : new ExpressionDedupIndex();
}

/**
 * PostgreSQL: the expression index on the fingerprint's first characters (migration 0014), looked up
 * by naming the same expression; the whole fingerprint settles collisions. Kept here because several
 * API processes write at once and nothing tells one of them cheaply that another has committed.
 */
class ExpressionDedupIndex implements DedupIndex {
  async begin(trx: Transaction<DatabaseSchema>): Promise<DedupLookup> {
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
 * - **recent**: the alerts stored since, in memory (fingerprint prefix → rowids). When it reaches
 *   `mergeAt`, the transaction that filled it writes them into the table in key order: each page of
 *   the table is then written once per merge instead of about once per alert.
 *
 * The memory is only right while every alert past the merge mark went through it. Each transaction
 * checks the largest alert rowid against the one this index saw at its last commit: when another
 * writer stored alerts in between (the CLI's `riposte ingest` beside a running server, say), or on
 * the first transaction, every alert past `merged_rowid` is merged from the table first and the
 * memory starts empty. Alerts are never deleted, so their rowids have no gaps (VACUUM has nothing to
 * renumber) and only grow; a transaction's new alerts take the rowids after the largest one, in the
 * order they are inserted, which is checked after each insert (and if it did not hold, the alerts
 * are merged from the table instead).
 */
class TieredDedupIndex implements DedupIndex {
  readonly #mergeAt: number;
  /** Fingerprint prefix → rowids of the alerts stored since the last merge (while `#lastRowid` is current). */
  #recent = new Map<string, number | number[]>();
  #recentSize = 0;
  /** The largest alert rowid when this index's last transaction committed. */
  #lastRowid: number | undefined;

  constructor(mergeAt: number) {
    this.#mergeAt = mergeAt;
  }

  async begin(trx: Transaction<DatabaseSchema>): Promise<DedupLookup> {
    let lastRowid = await largestRowid(trx);
    // Merged in this transaction: the memory (and this transaction's own additions) are in the table.
    let merged = false;
    let added: [prefix: string, rowid: number][] = [];
    const mergeFromTable = async (): Promise<void> => {
      await sql`INSERT OR IGNORE INTO alert_fingerprints (prefix, alert_rowid)
        SELECT ${FINGERPRINT_PREFIX}, rowid FROM alerts
        WHERE rowid > (SELECT merged_rowid FROM dedup_merge WHERE id = 1)
        ORDER BY 1, 2`.execute(trx);
      await sql`UPDATE dedup_merge SET merged_rowid = (SELECT coalesce(max(rowid), 0) FROM alerts)
        WHERE id = 1`.execute(trx);
      merged = true;
      added = [];
    };
    const mergeFromMemory = async (): Promise<void> => {
      // The memory is read, not changed: it changes only once the transaction has committed.
      const memory = merged ? new Map<string, number | number[]>() : this.#recent;
      const fresh = new Map<string, number | number[]>();
      for (const [prefix, rowid] of added) remember(fresh, prefix, rowid);
      const prefixes = [...memory.keys()];
      for (const prefix of fresh.keys()) if (!memory.has(prefix)) prefixes.push(prefix);
      prefixes.sort();
      const rows: AlertFingerprintTable[] = [];
      for (const prefix of prefixes)
        // Memory's rowids come before this transaction's, and each list is in insertion order.
        for (const rowid of [...rowidsOf(memory, prefix), ...rowidsOf(fresh, prefix)])
          rows.push({ prefix, alert_rowid: rowid });
      await insertRows(trx, 'sqlite', 'alert_fingerprints', rows, { ignoreConflicts: true });
      await trx.updateTable('dedup_merge').set({ merged_rowid: lastRowid }).where('id', '=', 1).execute();
      merged = true;
      added = [];
    };
    if (lastRowid !== this.#lastRowid) await mergeFromTable();
    return {
      find: async (fingerprints, from, to) => {
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
          const wanted = new Set(fingerprints);
          const rowids = [...new Set(fingerprints.map((f) => f.slice(0, PREFIX_LENGTH)))].flatMap((prefix) =>
            rowidsOf(this.#recent, prefix),
          );
          for (let i = 0; i < rowids.length; i += CHUNK) {
            const { rows } =
              await sql<StoredSighting>`SELECT id, fingerprint, first_seen, last_seen FROM alerts
              WHERE rowid IN (${sql.join(rowids.slice(i, i + CHUNK))})
                AND last_seen >= ${from} AND first_seen <= ${to}`.execute(trx);
            // A shared prefix brings other fingerprints along; the whole fingerprint settles it.
            for (const row of rows) if (wanted.has(row.fingerprint)) found.set(row.id, row);
          }
        }
        return [...found.values()];
      },
      stored: async (rows) => {
        if (rows.length === 0) return;
        const before = lastRowid;
        lastRowid = await largestRowid(trx);
        if (lastRowid !== before + rows.length) return mergeFromTable();
        rows.forEach((row, i) => added.push([row.fingerprint.slice(0, PREFIX_LENGTH), before + 1 + i]));
        if ((merged ? 0 : this.#recentSize) + added.length >= this.#mergeAt) await mergeFromMemory();
      },
      committed: () => {
        this.#lastRowid = lastRowid;
        if (merged) {
          this.#recent = new Map();
          this.#recentSize = 0;
        }
        for (const [prefix, rowid] of added) remember(this.#recent, prefix, rowid);
        this.#recentSize += added.length;
      },
    };
  }
}

function rowidsOf(recent: Map<string, number | number[]>, prefix: string): readonly number[] {
  const rowids = recent.get(prefix);
  return rowids === undefined ? [] : typeof rowids === 'number' ? [rowids] : rowids;
}

function remember(recent: Map<string, number | number[]>, prefix: string, rowid: number): void {
  const rowids = recent.get(prefix);
  if (rowids === undefined) recent.set(prefix, rowid);
  else if (typeof rowids === 'number') recent.set(prefix, [rowids, rowid]);
  else rowids.push(rowid);
}

async function largestRowid(trx: Transaction<DatabaseSchema>): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT coalesce(max(rowid), 0) AS n FROM alerts`.execute(trx);
  return Number(rows[0]!.n);
}
