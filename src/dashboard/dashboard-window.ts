import { invalidField } from '../core/riposte-error.ts';

export interface DashboardWindow {
  /** As given: `24h`, `7d`, `30d`. */
  label: string;
  ms: number;
}

const MAX_MS = 90 * 86_400_000;

/** `Nh` or `Nd`, from one hour to 90 days; 7 days when absent. */
export function parseWindow(raw: string | undefined): DashboardWindow {
  if (raw === undefined || raw === '') return { label: '7d', ms: 7 * 86_400_000 };
  const match = /^([1-9][0-9]{0,3})([hd])$/.exec(raw);
  const ms = match ? Number(match[1]) * (match[2] === 'h' ? 3_600_000 : 86_400_000) : NaN;
  if (!match || ms > MAX_MS)
    throw invalidField('/window', 'window is a number of hours or days (24h, 7d, 30d), at most 90d');
  return { label: raw, ms };
}
