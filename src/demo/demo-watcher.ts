import type { Riposte } from '../riposte.ts';
import type { DemoAlert } from './demo-alerts.ts';
import { alertProgress, describeProgress, isSettled, type AlertProgress } from './demo-progress.ts';

/**
 * Follows the sample alerts' runs and prints a line for an alert whenever it settles into a new
 * state: its run finished, or now waits for a person (and again when the person answered).
 */
export class DemoWatcher {
  readonly #riposte: Riposte;
  readonly #consoleUrl: string;
  readonly #out: (line: string) => void;
  readonly #tracked: { alert: DemoAlert; alertId: string }[] = [];
  readonly #printed = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<AlertProgress[]> | undefined;
  #stopped = false;

  constructor(riposte: Riposte, consoleUrl: string, out: (line: string) => void) {
    this.#riposte = riposte;
    this.#consoleUrl = consoleUrl;
    this.#out = out;
  }

  track(alert: DemoAlert, alertIds: readonly string[]): void {
    for (const alertId of alertIds)
      if (!this.#tracked.some((t) => t.alertId === alertId)) this.#tracked.push({ alert, alertId });
  }

  /** Where every tracked alert stands now; prints the ones that settled into something new. */
  poll(): Promise<AlertProgress[]> {
    this.#polling ??= this.#look().finally(() => (this.#polling = undefined));
    return this.#polling;
  }

  async #look(): Promise<AlertProgress[]> {
    const all: AlertProgress[] = [];
    for (const { alert, alertId } of this.#tracked) {
      const progress = await alertProgress(this.#riposte, alert, alertId);
      all.push(progress);
      if (!isSettled(progress) || this.#stopped) continue;
      const line = describeProgress(progress, this.#consoleUrl);
      if (this.#printed.get(alertId) === line) continue;
      this.#printed.set(alertId, line);
      this.#out(line);
    }
    return all;
  }

  /** Polls every `everyMs`; `onLook` sees each look's progress of every tracked alert. */
  start(everyMs: number, onError: (error: unknown) => void, onLook?: (all: AlertProgress[]) => void): void {
    const tick = () => {
      this.poll()
        .then((all) => {
          if (!this.#stopped) onLook?.(all);
        })
        .catch((error: unknown) => {
          if (!this.#stopped) onError(error);
        })
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(tick, everyMs);
        });
    };
    this.#timer = setTimeout(tick, everyMs);
  }

  /** Stops polling and waits for a look under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#polling?.catch(() => undefined);
  }
}
