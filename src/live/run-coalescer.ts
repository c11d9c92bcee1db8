import type { RunState } from '../engine/engine-types.ts';
import type { LivePublisher } from './live-event.ts';

interface Pending {
  state: RunState;
  caseId: string | null;
}

/**
 * Turns the engine's transitions (thousands a second under load) into `run.changed` events: at most
 * one per run per interval, carrying the run's latest state. A transition costs one check when nobody
 * listens, and a map write when someone does; events go out together when the interval ends.
 */
export class RunCoalescer {
  readonly #feed: LivePublisher;
  readonly #intervalMs: number;
  readonly #pending = new Map<string, Pending>();
  #timer: NodeJS.Timeout | undefined;

  constructor(feed: LivePublisher, intervalMs = 250) {
    this.#feed = feed;
    this.#intervalMs = intervalMs;
  }

  /** The engine committed a transition of this run (called after the commit). */
  transition(runId: string, state: RunState, caseId: string | null): void {
    if (!this.#feed.listening) return;
    this.#pending.set(runId, { state, caseId });
    if (this.#timer) return;
    this.#timer = setTimeout(() => this.flush(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Publishes what is pending now (the timer calls it; so does close). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const [runId, { state, caseId }] of pending) {
      const step = lastFinishedStep(state);
      this.#feed.publish({
        type: 'run.changed',
        id: runId,
        caseId,
        playbookId: state.playbookId,
        status: state.status,
        ...(step ? { step } : {}),
      });
    }
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
  }
}

/** The step whose finish is the latest (ISO times compare as strings). */
export function lastFinishedStep(state: RunState): { key: string; status: string } | undefined {
  let latest: { key: string; status: string; at: string } | undefined;
  for (const step of Object.values(state.steps)) {
    if (step.finishedAt && (!latest || step.finishedAt >= latest.at))
      latest = { key: step.key, status: step.status, at: step.finishedAt };
  }
  return latest ? { key: latest.key, status: latest.status } : undefined;
}
