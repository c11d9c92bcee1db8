import { RiposteError } from '../core/riposte-error.ts';

/** A login attempt the throttle let through: counted as a failure unless it succeeds. */
export interface LoginAttempt {
  /** The password was right: the username's failures are cleared, and this attempt no longer counts. */
  succeeded(): void;
}

/**
 * Slows password guessing: after `userLimit` failed logins for one username, or `ipLimit` from one
 * address (higher: many people may share a proxy), within the window, further attempts are refused
 * (429 with Retry-After) until the oldest failure ages out. Kept in memory per process.
 *
 * An attempt counts from the moment it is let through, before its password is checked: checking a
 * password takes tens of milliseconds (scrypt), and guesses sent in parallel would otherwise all be
 * let through before the first of them was counted. A success takes its own attempt back and clears
 * the username's failures.
 */
export class LoginThrottle {
  readonly #userLimit: number;
  readonly #ipLimit: number;
  readonly #windowMs: number;
  readonly #attempts = new Map<string, number[]>();

  constructor(userLimit = 10, windowSeconds = 15 * 60, ipLimit = userLimit * 5) {
    this.#userLimit = userLimit;
    this.#ipLimit = ipLimit;
    this.#windowMs = windowSeconds * 1000;
  }

  /** Lets an attempt through and counts it, or throws `rate_limited` when the username or the address has used up its attempts. */
  begin(username: string, ip: string | null, now = Date.now()): LoginAttempt {
    const keys = ip ? [`user:${username}`, `ip:${ip}`] : [`user:${username}`];
    const recents = keys.map((key) => this.#recent(key, now));
    for (const [i, recent] of recents.entries()) {
      if (recent.length >= (i === 0 ? this.#userLimit : this.#ipLimit)) {
        const retryAfter = Math.ceil((recent[0]! + this.#windowMs - now) / 1000);
        throw new RiposteError('rate_limited', `too many failed logins; try again in ${retryAfter} seconds`, {
          extra: { retryAfterSeconds: retryAfter },
        });
      }
    }
    if (this.#attempts.size > 100_000) this.#attempts.clear();
    keys.forEach((key, i) => this.#attempts.set(key, [...recents[i]!, now]));
    return {
      succeeded: () => {
        this.#attempts.delete(keys[0]!);
        if (keys[1] === undefined) return;
        const list = this.#attempts.get(keys[1]);
        const at = list?.indexOf(now) ?? -1;
        if (list && at >= 0) list.splice(at, 1);
      },
    };
  }

  #recent(key: string, now: number): number[] {
    return (this.#attempts.get(key) ?? []).filter((t) => now - t < this.#windowMs);
  }
}
