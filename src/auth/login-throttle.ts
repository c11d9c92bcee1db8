import { randomUUID } from 'node:crypto';
import { nowMs } from '../core/clock.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { MemoryAttemptWindows, type AttemptWindows } from '../limits/attempt-windows.ts';

/** A login attempt the throttle let through: counted as a failure unless it succeeds. */
export interface LoginAttempt {
  /** The password was right: the username's failures are cleared, and this attempt no longer counts. */
  succeeded(): Promise<void>;
}

export interface LoginThrottleOptions {
  /** Failed logins one username may have within the window. */
  userLimit?: number;
  windowSeconds?: number;
  /** Failed logins one address may have within the window (higher: many people may share a proxy). */
  ipLimit?: number;
  /** Where attempts are counted: this process's memory, or Redis shared by the deployment. */
  windows?: AttemptWindows;
}

/**
 * Slows password guessing: after `userLimit` failed logins for one username, or `ipLimit` from one
 * address, within the window, further attempts are refused (429 with Retry-After) until the oldest
 * failure ages out. Counted in memory per process, or — with Redis — once for the whole deployment,
 * so a guesser spreading attempts over API processes gets no more of them.
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
  readonly #windows: AttemptWindows;

  constructor(options: LoginThrottleOptions = {}) {
    this.#userLimit = options.userLimit ?? 10;
    this.#ipLimit = options.ipLimit ?? this.#userLimit * 5;
    this.#windowMs = (options.windowSeconds ?? 15 * 60) * 1000;
    this.#windows = options.windows ?? new MemoryAttemptWindows();
  }

  /** Lets an attempt through and counts it, or throws `rate_limited` when the username or the address has used up its attempts. */
  async begin(username: string, ip: string | null, now = nowMs()): Promise<LoginAttempt> {
    const windows = [{ key: `login:user:${username}`, limit: this.#userLimit }];
    if (ip) windows.push({ key: `login:ip:${ip}`, limit: this.#ipLimit });
    const id = randomUUID();
    const refusal = await this.#windows.add(windows, this.#windowMs, now, id);
    if (refusal) {
      const retryAfter = Math.max(1, Math.ceil((refusal.freeAt - now) / 1000));
      throw new RiposteError('rate_limited', `too many failed logins; try again in ${retryAfter} seconds`, {
        extra: { retryAfterSeconds: retryAfter },
      });
    }
    return {
      succeeded: async () => {
        await this.#windows.remove(windows[0]!.key);
        if (windows[1]) await this.#windows.remove(windows[1].key, id);
      },
    };
  }
}
