/**
 * Durations as playbooks write them: `500ms`, `30s`, `10m`, `4h`, `2d`, combinations such as `1h30m`,
 * or a plain number of milliseconds. Anything else is refused rather than guessed at.
 */

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type DurationUnit = keyof typeof UNIT_MS;

/** A year is far beyond any sensible wait, timeout or backoff; larger values are typos. */
export const MAX_DURATION_MS = 366 * UNIT_MS.d;

const PART = /(\d+)(ms|s|m|h|d)/y;

/** Milliseconds for a duration; throws a RangeError naming what is wrong. */
export function parseDuration(value: string | number): number {
  const ms = typeof value === 'number' ? parseMilliseconds(value) : parseText(value.trim());
  if (ms > MAX_DURATION_MS) throw new RangeError(`duration ${String(value)} is longer than 366 days`);
  return ms;
}

function parseMilliseconds(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`a duration in milliseconds must be a whole number ≥ 0, got ${value}`);
  }
  return value;
}

function parseText(text: string): number {
  if (/^\d+$/.test(text)) return parseMilliseconds(Number(text));
  let total = 0;
  let offset = 0;
  while (offset < text.length) {
    PART.lastIndex = offset;
    const match = PART.exec(text);
    if (match === null) {
      throw new RangeError(
        `"${text}" is not a duration; write a number and a unit (ms, s, m, h, d), e.g. 30s, 10m, 1h30m`,
      );
    }
    total += Number(match[1]) * UNIT_MS[match[2] as DurationUnit];
    offset = PART.lastIndex;
  }
  if (text.length === 0) throw new RangeError('a duration cannot be empty');
  return total;
}
