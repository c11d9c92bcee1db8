import type { RetryPolicy } from '../core/playbook.ts';
import type { StepFailure } from './engine-types.ts';

/**
 * The wait before the next attempt, after the `n`-th failed attempt of the current budget (n ≥ 1):
 * `min(backoff × factor^(n-1), maxDelay)`, drawn from [delay/2, delay] with jitter; an action's own
 * `retryAfterMs` (a 429's Retry-After) wins over the policy.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  n: number,
  failure: StepFailure,
  random: () => number,
): number {
  if (failure.kind === 'action' && failure.retryAfterMs !== undefined && failure.retryAfterMs >= 0)
    return failure.retryAfterMs;
  const delay = Math.min(policy.backoffMs * policy.factor ** (n - 1), policy.maxDelayMs);
  if (!policy.jitter) return Math.round(delay);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(delay / 2 + r * (delay / 2));
}
