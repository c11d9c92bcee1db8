import { RiposteError } from '../core/riposte-error.ts';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `90s`, `15m`, `6h`, `30d`, `2w` → seconds, within bounds; a precise error naming the field otherwise. */
export function parseDuration(raw: unknown, field: string, bounds: { min: number; max: number }): number {
  const m = typeof raw === 'string' ? /^(\d{1,6})\s*([smhdw])$/.exec(raw.trim()) : null;
  const seconds = m ? Number(m[1]) * UNITS[m[2]!]! : NaN;
  if (!m || seconds < bounds.min || seconds > bounds.max) {
    throw new RiposteError(
      'validation_failed',
      `${field} must be a duration such as 6h or 30d, from ${formatDuration(bounds.min)} to ${formatDuration(bounds.max)}; got ${JSON.stringify(raw)}`,
      { path: field },
    );
  }
  return seconds;
}

/** The largest whole unit: 2592000 → `30d`. */
export function formatDuration(seconds: number): string {
  for (const unit of ['w', 'd', 'h', 'm'] as const)
    if (seconds % UNITS[unit]! === 0 && seconds >= UNITS[unit]!) return `${seconds / UNITS[unit]!}${unit}`;
  return `${seconds}s`;
}
