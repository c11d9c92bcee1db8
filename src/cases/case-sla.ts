import type { SlaTarget } from '../config.ts';

/**
 * ok: within the first 75 % of the target; at_risk: 75 % or more used; breached: past the target (or
 * done after it); met: done within it.
 */
export const SLA_STATES = ['ok', 'at_risk', 'breached', 'met'] as const;
export type SlaState = (typeof SLA_STATES)[number];

export interface SlaClock {
  state: SlaState;
  targetSeconds: number;
  dueAt: string;
  /** When it was done (acknowledged or resolved), or null while it runs. */
  doneAt: string | null;
}

/** A case's SLA: its acknowledge, contain (when targeted) and resolve clocks, and overall the worst. */
export interface CaseSla {
  state: SlaState;
  acknowledge: SlaClock;
  /** Absent when the severity's target has no contain time. */
  contain?: SlaClock;
  resolve: SlaClock;
}

export const AT_RISK_SHARE = 0.75;

/** Worst first: what the overall state and a list sorted by urgency show. */
const RANK: Record<SlaState, number> = { breached: 3, at_risk: 2, ok: 1, met: 0 };

function clock(start: number, targetSeconds: number, doneAt: string | null, now: number): SlaClock {
  const due = start + targetSeconds * 1000;
  const dueAt = new Date(due).toISOString();
  if (doneAt !== null)
    return { state: Date.parse(doneAt) <= due ? 'met' : 'breached', targetSeconds, dueAt, doneAt };
  const used = (now - start) / (targetSeconds * 1000);
  const state: SlaState = used >= 1 ? 'breached' : used >= AT_RISK_SHARE ? 'at_risk' : 'ok';
  return { state, targetSeconds, dueAt, doneAt: null };
}

/** Pure: the SLA of a case opened at `createdAt`, from its severity's target, at `now`. */
export function caseSla(
  target: SlaTarget | undefined,
  times: {
    createdAt: string;
    acknowledgedAt: string | null;
    containedAt?: string | null;
    closedAt: string | null;
  },
  now: Date,
): CaseSla | null {
  if (!target) return null;
  const start = Date.parse(times.createdAt);
  const at = now.getTime();
  // Closing a case acknowledges it too, and ends what there was to contain.
  const acknowledge = clock(start, target.acknowledgeSeconds, times.acknowledgedAt ?? times.closedAt, at);
  const contain =
    target.containSeconds === undefined
      ? undefined
      : clock(start, target.containSeconds, times.containedAt ?? times.closedAt, at);
  const resolve = clock(start, target.resolveSeconds, times.closedAt, at);
  const clocks = [acknowledge, ...(contain ? [contain] : []), resolve];
  const state = clocks.reduce(
    (worst, c) => (RANK[c.state] > RANK[worst] ? c.state : worst),
    acknowledge.state,
  );
  return { state, acknowledge, ...(contain ? { contain } : {}), resolve };
}
