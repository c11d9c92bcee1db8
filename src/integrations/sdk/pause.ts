import { setTimeout as delay } from 'node:timers/promises';
import { ActionError } from '../../core/action.ts';

/**
 * Waits `ms` (a poll interval, a Retry-After) inside an action. A cancelled step stops waiting at
 * once with a `cancelled` ActionError that says what it was waiting for; the timer and the abort
 * listener are gone either way, so many waits on one long-lived signal leave nothing behind.
 */
export async function pause(ms: number, signal: AbortSignal | undefined, waitingFor: string): Promise<void> {
  try {
    await delay(Math.max(0, ms), undefined, { signal });
  } catch (error) {
    if (!signal?.aborted) throw error;
    throw new ActionError('cancelled', `the step was cancelled while waiting for ${waitingFor}`, {
      retryable: false,
    });
  }
}
