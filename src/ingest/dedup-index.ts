import { sql, type Transaction } from 'kysely';
import { insertRows } from '../store/bulk-insert.ts';
import type { Dialect } from '../store/database.ts';
import { valueParts } from '../store/value-lists.ts';
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
 * The ingest transaction takes the grouping lock before it looks up (src/ingest/ingest-writer.ts),
 * so the processes take turns from the lookup on.
 *
 * The fingerprints go as one array, joined to the index probe by probe: one statement per batch
 * (src/store/value-lists.ts), where IN lists of 400 took five round trips for a bulk commit of 2,000
 * alerts and PostgreSQL planned each list element by element (2,000 fingerprints, 120,000 stored:
 * 3.7 ms against 6.0 ms).
 */
class ExpressionDedupIndex implements DedupIndex {
  async begin(trx: Transaction<DatabaseSchema>): Promise<DedupLookup> {
    return {
      find: async (fingerprints, from, to) => {
        const found: StoredSighting[] = [];
        for (const part of valueParts('postgres', fingerprints)) {
          const { rows } = await sql<StoredSighting>`
            SELECT a.id, a.fingerprint, a.first_seen, a.last_seen
            FROM unnest(${part}::text[]) AS k(wanted)
            JOIN alerts a
              ON ${FINGERPRINT_PREFIX} = substr(k.wanted, 1, ${sql.lit(PREFIX_LENGTH)}) AND a.fingerprint = k.wanted
            WHERE a.last_seen >= ${from} AND a.first_seen <= ${to}`.execute(trx);
          found.push(...rows);
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
 *   `mergeAt`, the commit that filled it freezes it as the generation being merged, and a new recent
 *   tier starts. The transactions after it write the generation into the table in key order, a
 *   tenth at a time (`MERGE_SLICES`), so each page of the table is written about once per merge
 *   instead of about once per alert, and no single commit waits for a whole merge (which grows with
 *   the table: about 300 ms per 100,000 alerts at three million stored). The generation stays in
 *   memory, and is looked up there, until its last slice has committed and moved the merge mark.
 *   Should the recent tier fill again before then, that transaction writes the rest at once.
 *
 * The memory is only right while every alert past the merge mark went through it. Each transaction
 * checks the largest alert rowid against the one this index saw at its last commit: when another
 * writer stored alerts in between (the CLI's `riposte ingest` beside a running server, say), or on
 * the first transaction, every alert past `merged_rowid` is merged from the table first (INSERT OR
 * IGNORE: slices already written are skipped) and the memory starts empty. Alerts are never
 * deleted, so their rowids have no gaps (VACUUM has nothing to renumber) and only grow; a
 * transaction's new alerts take the rowids after the largest one, in the order they are inserted,
 * which is checked after each insert (and if it did not hold, the alerts are merged from the table
 * instead).
 */
class TieredDedupIndex implements DedupIndex {
  readonly #mergeAt: number;
  /** Fingerprint prefix → rowids of the alerts stored since the generation (while `#lastRowid` is current). */
  #recent: Recent = new Map();
  #recentSize = 0;
  /** The generation being written into the table, slice by slice; undefined between merges. */
  #merging: Generation | undefined;
  /** The largest alert rowid when this index's last transaction committed. */
  #lastRowid: number | undefined;

  constructor(mergeAt: number) {
    this.#mergeAt = mergeAt;
  }

  async begin(trx: Transaction<DatabaseSchema>): Promise<DedupLookup> {
    let lastRowid = await largestRowid(trx);
    // Merged from the table in this transaction: every alert is there, the memory is obsolete.
    let fromTable = false;
    let added: [prefix: string, rowid: number][] = [];
    // Where this transaction left the generation's writing (applied when it commits).
    let written = this.#merging?.written ?? 0;
    const mergeFromTable = async (): Promise<void> => {
      await sql`INSERT OR IGNORE INTO alert_fingerprints (prefix, alert_rowid)
        SELECT ${FINGERPRINT_PREFIX}, rowid FROM alerts
        WHERE rowid > (SELECT merged_rowid FROM dedup_merge WHERE id = 1)
        ORDER BY 1, 2`.execute(trx);
      await sql`UPDATE dedup_merge SET merged_rowid = (SELECT coalesce(max(rowid), 0) FROM alerts)
        WHERE id = 1`.execute(trx);
      fromTable = true;
      added = [];
    };
    /** Writes the generation's prefixes from `written` on, at least `entries` rows (or to its end). */
    const writeSlice = async (generation: Generation, entries: number): Promise<void> => {
      const rows: AlertFingerprintTable[] = [];
      while (written < generation.prefixes.length && rows.length < entries) {
        const prefix = generation.prefixes[written++]!;
        // Each prefix's rowids are in insertion order, so in key order.
        for (const rowid of rowidsOf(generation.rowids, prefix)) rows.push({ prefix, alert_rowid: rowid });
      }
      await insertRows(trx, 'sqlite', 'alert_fingerprints', rows, { ignoreConflicts: true });
      if (written === generation.prefixes.length)
        await trx
          .updateTable('dedup_merge')
          .set({ merged_rowid: generation.top })
          .where('id', '=', 1)
          .execute();
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
        if (!fromTable) {
          const wanted = new Set(fingerprints);
          const tiers = this.#merging ? [this.#recent, this.#merging.rowids] : [this.#recent];
          const rowids = [...new Set(fingerprints.map((f) => f.slice(0, PREFIX_LENGTH)))].flatMap((prefix) =>
            tiers.flatMap((tier) => rowidsOf(tier, prefix)),
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
        const generation = fromTable ? undefined : this.#merging;
        if (!generation) return;
        // Behind: the recent tier is full again, so the generation must be done before it freezes.
        const behind = this.#recentSize + added.length >= this.#mergeAt;
        await writeSlice(generation, behind ? Infinity : Math.ceil(generation.size / MERGE_SLICES));
      },
      committed: () => {
        this.#lastRowid = lastRowid;
        if (fromTable) {
          this.#recent = new Map();
          this.#recentSize = 0;
          this.#merging = undefined;
        } else if (this.#merging) {
          this.#merging.written = written;
          if (written === this.#merging.prefixes.length) this.#merging = undefined;
        }
        for (const [prefix, rowid] of added) remember(this.#recent, prefix, rowid);
        this.#recentSize += added.length;
        if (!this.#merging && this.#recentSize >= this.#mergeAt) {
          this.#merging = {
            rowids: this.#recent,
            prefixes: [...this.#recent.keys()].sort(),
            size: this.#recentSize,
            top: lastRowid,
            written: 0,
          };
          this.#recent = new Map();
          this.#recentSize = 0;
        }
      },
    };
  }
}

/** Fingerprint prefix → the rowids of the alerts with it, in insertion order. */
type Recent = Map<string, number | number[]>;

/** A recent tier that reached `mergeAt`, being written into `alert_fingerprints`. */
interface Generation {
  rowids: Recent;
  /** Its prefixes in key order; those before `written` are in the table. */
  prefixes: string[];
  size: number;
  /** The largest rowid in it: the merge mark once all of it is written. */
  top: number;
  written: number;
}

/** A generation is written in this many commits (or fewer, when its prefixes are few). */
const MERGE_SLICES = 10;

function rowidsOf(recent: Recent, prefix: string): readonly number[] {
  const rowids = recent.get(prefix);
  return rowids === undefined ? [] : typeof rowids === 'number' ? [rowids] : rowids;
}

function remember(recent: Recent, prefix: string, rowid: number): void {
  const rowids = recent.get(prefix);
  if (rowids === undefined) recent.set(prefix, rowid);
  else if (typeof rowids === 'number') recent.set(prefix, [rowids, rowid]);
  else rowids.push(rowid);
}

async function largestRowid(trx: Transaction<DatabaseSchema>): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT coalesce(max(rowid), 0) AS n FROM alerts`.execute(trx);
  return Number(rows[0]!.n);
}
