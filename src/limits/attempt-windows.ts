/**
 * Attempts counted in a sliding window: what the login throttle keeps (failed logins per username
 * and per address). Two stores keep them: `MemoryAttemptWindows`, one process's own, and
 * `RedisAttemptWindows` (src/limits/redis-limits.ts), shared by every process of a deployment with
 * Redis.
 */

/** A window to count an attempt in: its key and how many attempts it lets through. */
export interface AttemptWindow {
  key: string;
  limit: number;
}

/** A refusal: the window that is full (its index), and when its oldest attempt ages out (ms). */
export interface AttemptRefusal {
  index: number;
  freeAt: number;
}

export interface AttemptWindows {
  /**
   * Counts attempt `id` at `now` in every window, or — when one already holds its limit of attempts
   * younger than `windowMs` — in none, and says which and until when.
   */
  add(
    windows: readonly AttemptWindow[],
    windowMs: number,
    now: number,
    id: string,
  ): AttemptRefusal | undefined | Promise<AttemptRefusal | undefined>;
  /** Forgets attempt `id` in window `key`, or all of the window's attempts when `id` is left out. */
  remove(key: string, id?: string): void | Promise<void>;
}

/** One process's windows, in memory; past `maxWindows` keys they are all forgotten. */
export class MemoryAttemptWindows implements AttemptWindows {
  readonly #attempts = new Map<string, { id: string; at: number }[]>();
  readonly #maxWindows: number;

  constructor(maxWindows = 100_000) {
    this.#maxWindows = maxWindows;
  }

  add(
    windows: readonly AttemptWindow[],
    windowMs: number,
    now: number,
    id: string,
  ): AttemptRefusal | undefined {
    const recents = windows.map(({ key }) =>
      (this.#attempts.get(key) ?? []).filter((attempt) => now - attempt.at < windowMs),
    );
    for (const [index, recent] of recents.entries())
      if (recent.length >= windows[index]!.limit) return { index, freeAt: recent[0]!.at + windowMs };
    if (this.#attempts.size > this.#maxWindows) this.#attempts.clear();
    windows.forEach(({ key }, i) => this.#attempts.set(key, [...recents[i]!, { id, at: now }]));
    return undefined;
  }

  remove(key: string, id?: string): void {
    if (id === undefined) {
      this.#attempts.delete(key);
      return;
    }
    const list = this.#attempts.get(key);
    const at = list?.findIndex((attempt) => attempt.id === id) ?? -1;
    if (list && at >= 0) list.splice(at, 1);
  }
}
