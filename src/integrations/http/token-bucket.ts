/** A provider's quota: `requests` per `perSeconds`, refilled continuously; callers wait their turn. */
export class TokenBucket {
  readonly #capacity: number;
  readonly #refillPerMs: number;
  #tokens: number;
  #at = Date.now();

  constructor(requests: number, perSeconds: number) {
    this.#capacity = Math.max(1, requests);
    this.#refillPerMs = requests / (perSeconds * 1000);
    this.#tokens = this.#capacity;
  }

  /** How long the next caller must wait, in ms (0: a token is there now and has been taken). */
  take(): number {
    const now = Date.now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#at) * this.#refillPerMs);
    this.#at = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil(-this.#tokens / this.#refillPerMs);
  }
}
