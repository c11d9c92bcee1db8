import type { Format } from '../core/format.ts';
import { demoSourceName, type DemoAlert } from './demo-alerts.ts';

export interface FeedOptions {
  /** Where Riposte listens (`http://127.0.0.1:8080`). */
  baseUrl: string;
  tokens: ReadonlyMap<Format, string>;
  alerts: readonly DemoAlert[];
  /** How long the whole feed takes: each alert goes out at its share (`at`) of it. */
  spreadMs: number;
  signal: AbortSignal;
  /** Told of each alert once Riposte acknowledged it, with the ids it stored. */
  onSent(alert: DemoAlert, alertIds: string[]): void;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * Sends the sample alerts the way a vendor would: over HTTP to each format's ingest source, with
 * its token, one after another over `spreadMs`. Stops early when `signal` aborts.
 */
export async function feedAlerts(options: FeedOptions): Promise<void> {
  const started = Date.now();
  for (const alert of options.alerts) {
    await pause(started + alert.at * options.spreadMs - Date.now(), options.signal);
    if (options.signal.aborted) return;
    const token = options.tokens.get(alert.format);
    const response = await fetch(`${options.baseUrl}/api/v1/sources/${demoSourceName(alert.format)}/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': alert.contentType },
      body: alert.body(new Date()),
      signal: options.signal,
    });
    const text = await response.text();
    if (response.status !== 202)
      throw new Error(`ingest of the sample alert ${alert.key} answered ${response.status}: ${text}`);
    const result = JSON.parse(text) as { alertIds: string[]; rejected: unknown[] };
    if (result.rejected.length > 0)
      throw new Error(`the sample alert ${alert.key} was rejected: ${JSON.stringify(result.rejected)}`);
    options.onSent(alert, result.alertIds);
  }
}
