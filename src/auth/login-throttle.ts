import { RiposteError } from '../core/riposte-error.ts';

/**
 * Slows password guessing: after `userLimit` failed logins for one username, or `ipLimit` from one
 * address (higher: many people may share a proxy), within the window, further attempts are refused
 * (429 with Retry-After) until the oldest failure ages out. Kept in memory per process; a success
 * clears the username's failures.
 */
export class LoginThrottle {
  readonly #userLimit: number;
  readonly #ipLimit: number;
  readonly #windowMs: number;
  readonly #failures = new Map<string, number[]>();

  constructor(userLimit = 10, windowSeconds = 15 * 60, ipLimit = userLimit * 5) {
    this.#userLimit = userLimit;
    this.#ipLimit = ipLimit;
    this.#windowMs = windowSeconds * 1000;
  }

  /** Throws `rate_limited` when the username or the address has used up its attempts. */
  check(username: string, ip: string | null, now = Date.now()): void {
    for (const key of this.#keys(username, ip)) {
      const recent = this.#recent(key, now);
      if (recent.length >= (key.startsWith('ip:') ? this.#ipLimit : this.#userLimit)) {
        const retryAfter = Math.ceil((recent[0]! + this.#windowMs - now) / 1000);
        throw new RiposteError('rate_limited', `too many failed logins; try again in ${retryAfter} seconds`, {
          extra: { retryAfterSeconds: retryAfter },
        });
      }
    }
  }

  failed(username: string, ip: string | null, now = Date.now()): void {
    for (const key of this.#keys(username, ip)) this.#failures.set(key, [...this.#recent(key, now), now]);
    if (this.#failures.size > 100_000) this.#failures.clear();
  }

  succeeded(username: string): void {
    this.#failures.delete(`user:${username}`);
  }

  #keys(username: string, ip: string | null): string[] {
    return ip ? [`user:${username}`, `ip:${ip}`] : [`user:${username}`];
  }

  #recent(key: string, now: number): number[] {
    return (this.#failures.get(key) ?? []).filter((t) => now - t < this.#windowMs);
  }
}
