/**
 * The time Riposte records and compares: this process's clock, corrected by how far it is off the
 * database's once that has been measured (`DatabaseClock`, src/store/database-clock.ts). Processes on
 * several hosts share one PostgreSQL; the times they write (a timer's due time, an approval's expiry,
 * a row's creation, an id's order) and the times they compare them with are then one time, the
 * database's, whatever their own clocks say. Durations measured inside a process (a request's
 * latency, a cache's age, how often a clock ticks) keep to its own clock.
 */
let correctionMs = 0;

/** Now, in milliseconds since the epoch. */
export function nowMs(): number {
  return Date.now() + correctionMs;
}

export function nowDate(): Date {
  return new Date(nowMs());
}

let isoMs = Number.NaN;
let iso = '';

/** Now as ISO 8601; the string is made once per millisecond (a busy ingest path asks for it per request). */
export function nowIso(): string {
  const ms = nowMs();
  if (ms !== isoMs) {
    iso = new Date(ms).toISOString();
    isoMs = ms;
  }
  return iso;
}

/** Corrects this process's time by the database's offset (the database's clock minus this process's, ms). */
export function correctClock(databaseOffsetMs: number): void {
  correctionMs = databaseOffsetMs;
}

/** The correction in force: the database's clock minus this process's, ms, as last measured. */
export function clockCorrectionMs(): number {
  return correctionMs;
}
