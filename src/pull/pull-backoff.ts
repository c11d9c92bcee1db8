/** However often a source is polled, a failing one is tried at least once an hour. */
export const MAX_BACKOFF_SECONDS = 3_600;

/**
 * When a source whose poll failed `failures` times in a row is tried again, in seconds: its interval,
 * doubled for each failure after the first, up to an hour (or its interval, when that is longer), and
 * never sooner than the vendor asked (a 429's Retry-After).
 */
export function backoffSeconds(everySeconds: number, failures: number, retryAfterMs?: number): number {
  const doubled = everySeconds * 2 ** Math.min(Math.max(failures - 1, 0), 20);
  const delay = Math.min(doubled, Math.max(everySeconds, MAX_BACKOFF_SECONDS));
  return Math.max(delay, Math.ceil((retryAfterMs ?? 0) / 1000));
}
