import { liveKey, type LiveEvent, type LivePublisher } from './live-event.ts';

export type LiveListener = (event: LiveEvent) => void;

/** How long a published key is remembered: longer than the poller looks back. */
const REMEMBER_MS = 30_000;

/**
 * The process's publish/subscribe hub for changes. Services publish after their commit; listeners (the
 * SSE streams) are called synchronously and must not block. With no listener, `publish` returns at
 * once, and the poller that notices other processes' changes is stopped.
 *
 * It remembers when each key was last published, so the poller does not repeat a change this process
 * already told, and an alert is announced once even when both the poller and the grouping stage see it.
 */
export class LiveFeed implements LivePublisher {
  readonly #listeners = new Set<LiveListener>();
  readonly #watchers = new Set<(listening: boolean) => void>();
  readonly #published = new Map<string, number>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  get listening(): boolean {
    return this.#listeners.size > 0;
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  publish(event: LiveEvent): void {
    if (this.#listeners.size === 0) return;
    const key = liveKey(event);
    // An alert is created once: whichever of the grouping stage and the poller tells it first wins.
    if (event.type === 'alert.created' && this.#published.has(key)) return;
    this.#remember(key);
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own (a closed socket); the others still hear the event.
      }
    }
  }

  /**
   * For the poller: publishes a change another process made at `changedAtMs` unless this process
   * already published the same key at or after that moment (then listeners were told after it).
   */
  publishObserved(event: LiveEvent, changedAtMs: number): boolean {
    const at = this.#published.get(liveKey(event));
    if (at !== undefined && (event.type === 'alert.created' || at >= changedAtMs)) return false;
    this.publish(event);
    return true;
  }

  subscribe(listener: LiveListener): () => void {
    const first = this.#listeners.size === 0;
    this.#listeners.add(listener);
    if (first) for (const watcher of this.#watchers) watcher(true);
    return () => {
      if (!this.#listeners.delete(listener)) return;
      if (this.#listeners.size === 0) {
        this.#published.clear();
        for (const watcher of this.#watchers) watcher(false);
      }
    };
  }

  /** Told when the first listener arrives (true) and when the last one leaves (false). */
  onListening(watcher: (listening: boolean) => void): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  #remember(key: string): void {
    const now = this.#now();
    // Re-inserting keeps the map in publication order, so expired keys are always at its head.
    this.#published.delete(key);
    this.#published.set(key, now);
    for (const [old, at] of this.#published) {
      if (now - at <= REMEMBER_MS) break;
      this.#published.delete(old);
    }
  }
}
