import type { PullOptions, PullTarget } from './pull-options.ts';
import type { PullRow } from './pull-state-store.ts';

/** How a pulled source stands, as `GET /api/v1/sources/{name}` shows it (`pull`). */
export interface PullView {
  integration: string;
  instance: string;
  everySeconds: number;
  pageSize: number;
  overlapSeconds: number;
  filter: string | null;
  /** Where the next page starts, in words (null before the first committed page). */
  position: string | null;
  /** A poll is under way (in some process). */
  polling: boolean;
  lastPollAt: string | null;
  lastSuccessAt: string | null;
  /** When it is due next (null until a worker has seen the source). */
  nextPollAt: string | null;
  /** Polls failed in a row; 0 once one succeeds. */
  failures: number;
  lastError: { at: string; message: string } | null;
  /** Records read from the vendor since the source began pulling, and what became of them. */
  records: { pulled: number; stored: number; duplicates: number; rejected: number };
}

function readable(cursor: string | null, describe: (c: unknown) => string | null): string | null {
  if (cursor === null) return null;
  try {
    return describe(JSON.parse(cursor));
  } catch {
    return null;
  }
}

export function pullView(pulled: PullOptions & PullTarget, row: PullRow | undefined): PullView {
  // A row left by another instance is the old position: it starts over at the next look.
  const current =
    row && row.integration === pulled.integration.id && row.instance === pulled.instance ? row : undefined;
  return {
    integration: pulled.integration.id,
    instance: pulled.instance,
    everySeconds: pulled.everySeconds,
    pageSize: pulled.pageSize,
    overlapSeconds: pulled.overlapSeconds,
    filter: pulled.filter,
    position: current ? readable(current.cursor, (c) => pulled.feed.describe(c)) : null,
    polling: current?.claim != null,
    lastPollAt: current?.last_poll_at ?? null,
    lastSuccessAt: current?.last_success_at ?? null,
    nextPollAt: current?.next_poll_at ?? null,
    failures: Number(current?.failures ?? 0),
    lastError:
      current?.last_error != null && current.last_error_at != null
        ? { at: current.last_error_at, message: current.last_error }
        : null,
    records: {
      pulled: Number(current?.records ?? 0),
      stored: Number(current?.stored ?? 0),
      duplicates: Number(current?.duplicates ?? 0),
      rejected: Number(current?.rejected ?? 0),
    },
  };
}
