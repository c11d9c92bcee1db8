import { timeOf } from './alert-feed.ts';

/**
 * The position of a feed that reads records by their update time (Defender's `lastUpdateTime`,
 * Falcon's `updated_timestamp`), as stored between polls.
 *
 * A **sweep** reads every record updated at or after `from` — the watermark minus the overlap, so a
 * record the vendor indexed late is still found — page after page, then moves the watermark to the
 * newest update time it saw. Records handed over in an earlier page or sweep are remembered (`seen`:
 * id → the update time handed over) while they are inside the overlap, so reading them again costs a
 * request but never counts them twice; a record updated since (a newer time) is handed over again.
 */
export interface SweepCursor {
  v: 1;
  /** The filter the position was made for: another filter starts a new sweep from the watermark. */
  query: string;
  /** The newest update time of a finished sweep (ISO, milliseconds). */
  watermark: string;
  /** The sweep under way, or null between sweeps. */
  sweep: SweepPosition | null;
  seen: Record<string, string>;
}

export interface SweepPosition {
  /** Its lower bound: records updated at or after it. */
  from: string;
  /** Where the next page starts: the vendor's next link, or how many records of the query to skip. */
  next: string | null;
  skip: number;
  /** For keyset paging: the update time the next page starts at (ISO, ms), and the newest seen so far. */
  at: string;
  high: string;
}

/** Past this many remembered records the oldest are forgotten (a re-read is then counted by dedup). */
const SEEN_MAX = 10_000;

const iso = (ms: number) => new Date(ms).toISOString();

/** The stored position, or a fresh one at `startAt` when there is none (or one Riposte cannot read). */
export function readSweep(stored: unknown, query: string, startAt: string): SweepCursor {
  const c = stored as Partial<SweepCursor> | null;
  const fresh: SweepCursor = { v: 1, query, watermark: startAt, sweep: null, seen: {} };
  if (!c || typeof c !== 'object' || c.v !== 1 || timeOf(c.watermark) === undefined) return fresh;
  const seen =
    c.seen && typeof c.seen === 'object' && !Array.isArray(c.seen) ? (c.seen as Record<string, string>) : {};
  const sweep = c.query === query && isPosition(c.sweep) ? c.sweep : null;
  return { v: 1, query, watermark: c.watermark!, sweep, seen: { ...seen } };
}

function isPosition(value: unknown): value is SweepPosition {
  const p = value as SweepPosition | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    timeOf(p.from) !== undefined &&
    timeOf(p.at) !== undefined &&
    timeOf(p.high) !== undefined &&
    Number.isInteger(p.skip) &&
    p.skip >= 0 &&
    (p.next === null || typeof p.next === 'string')
  );
}

/** The sweep under way, or a new one from the watermark minus the overlap. */
export function currentSweep(cursor: SweepCursor, overlapSeconds: number): SweepPosition {
  if (cursor.sweep) return cursor.sweep;
  const from = iso(timeOf(cursor.watermark)! - overlapSeconds * 1000);
  return { from, next: null, skip: 0, at: from, high: cursor.watermark };
}

export interface Stamped<T> {
  id: string;
  /** The record's update time (ISO, any precision). */
  updated: string;
  record: T;
}

/**
 * The records not handed over yet (or updated since), marked as handed over in `seen`. A record
 * without a readable id or time is handed over (the normalizer says what is wrong with it).
 */
export function takeNew<T>(seen: Record<string, string>, records: Stamped<T>[]): T[] {
  const taken: T[] = [];
  for (const r of records) {
    const at = timeOf(r.updated);
    if (at === undefined || r.id === '') {
      taken.push(r.record);
      continue;
    }
    const handed = timeOf(seen[r.id]);
    if (handed !== undefined && handed >= at) continue;
    seen[r.id] = iso(at);
    taken.push(r.record);
  }
  return taken;
}

/**
 * Ends the sweep: the watermark moves to the newest update time seen (never back), and records older
 * than the next sweep's start are forgotten.
 */
export function finishSweep(cursor: SweepCursor, high: string, overlapSeconds: number): SweepCursor {
  const watermark = iso(Math.max(timeOf(cursor.watermark)!, timeOf(high) ?? 0));
  const keepFrom = timeOf(watermark)! - overlapSeconds * 1000;
  const kept = Object.entries(cursor.seen)
    .filter(([, at]) => (timeOf(at) ?? 0) >= keepFrom)
    .sort((a, b) => b[1].localeCompare(a[1]))
    .slice(0, SEEN_MAX);
  return { ...cursor, watermark, sweep: null, seen: Object.fromEntries(kept) };
}

/** The newest of two ISO times. */
export function newest(a: string, b: string | undefined): string {
  const x = timeOf(a) ?? 0;
  const y = timeOf(b) ?? 0;
  return y > x ? iso(y) : iso(x);
}

/** A sweep position in words: `lastUpdateTime ≥ …`. */
export function describeSweep(stored: unknown, field: string): string | null {
  const c = stored as Partial<SweepCursor> | null;
  if (!c || c.v !== 1 || typeof c.watermark !== 'string') return null;
  return c.sweep
    ? `${field} ≥ ${c.sweep.from} (a sweep under way, ${c.sweep.skip} read)`
    : `${field} ≥ ${c.watermark} minus the overlap`;
}
