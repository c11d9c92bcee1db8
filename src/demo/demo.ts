import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config.ts';
import { openRiposte, type Riposte } from '../riposte.ts';
import { CONSOLE_DIST } from '../server/routes/console-routes.ts';
import { buildServer, type RiposteServer } from '../server/app.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { DEMO_ALERTS, demoSourceName, type DemoAlert } from './demo-alerts.ts';
import { prepareDemoDir, readDemoState, writeDemoState, type DemoState } from './demo-data-dir.ts';
import { startDemoFakes, type DemoFakes } from './demo-fakes.ts';
import { feedAlerts } from './demo-feed.ts';
import { isSettled, summary, type AlertProgress } from './demo-progress.ts';
import {
  DEMO_BLOCK_LISTS,
  configureInstances,
  createBlockLists,
  createPeople,
  createSources,
  loadAssets,
  type DemoLogin,
} from './demo-setup.ts';
import { DemoWatcher } from './demo-watcher.ts';

export interface DemoOptions {
  /** The demo's own data directory (never a real deployment's). */
  dataDir: string;
  port: number;
  /** Empty the data directory first. */
  fresh: boolean;
  /** How long sending the sample alerts takes (default 30 s). */
  spreadMs?: number;
  /** How often the runs are looked at for the progress lines (default 1 s). */
  pollMs?: number;
  /** Where the demo's lines go (one call per line, without the newline). */
  out(line: string): void;
  /** Where warnings and errors go. */
  err(line: string): void;
}

export interface Demo {
  /** Where Riposte listens (`http://127.0.0.1:8080`). */
  url: string;
  consoleUrl: string;
  riposte: Riposte;
  fakes: DemoFakes;
  logins: DemoLogin[];
  /** Settles once every sample alert was sent (at once when an earlier start sent them). */
  fed: Promise<void>;
  /** Where each sample alert stands now. */
  progress(): Promise<AlertProgress[]>;
  close(): Promise<void>;
}

function banner(demo: { consoleUrl: string; logins: DemoLogin[]; dataDir: string }): string[] {
  const width = Math.max(...demo.logins.map((l) => l.username.length));
  const fresh = demo.logins.filter((l) => l.password !== null);
  return [
    '',
    `  Console:  ${demo.consoleUrl}`,
    ...demo.logins.map(
      (l, i) =>
        `  ${i === 0 ? 'Log in:' : '       '}   ${l.username.padEnd(width)}  ${l.password ?? '(password shown at its first start)'}   ${l.role}`,
    ),
    fresh.length > 0
      ? '  The passwords are shown only now and are not stored anywhere readable.'
      : `  Forgot them? \`riposte demo --fresh --data-dir ${demo.dataDir}\` starts over with new ones.`,
    '',
  ];
}

async function listen(app: RiposteServer['app'], host: string, port: number): Promise<string> {
  try {
    return await app.listen({ port, host });
  } catch (error) {
    if ((error as { code?: string }).code === 'EADDRINUSE')
      throw new RiposteError(
        'conflict',
        `${host}:${port} is taken (a running riposte serve?): pick another --port`,
        {
          path: '--port',
        },
      );
    throw error;
  }
}

/** Riposte with its server on the demo's data directory, allowed to reach the fakes' ports only. */
async function openDemoRiposte(
  dataDir: string,
  port: number,
  fakes: DemoFakes,
  err: (line: string) => void,
): Promise<{ riposte: Riposte; server: RiposteServer }> {
  const config = loadConfig(
    {},
    {
      dataDir,
      databaseUrl: `sqlite://${path.join(dataDir, 'riposte.db')}`,
      port,
      host: '127.0.0.1',
      logLevel: 'warn',
      builtinPlaybooks: true,
      // The SSRF guard stays on: only the fakes' loopback ports are let through.
      outboundAllow: fakes.allow,
    },
  );
  // The watcher prints what waits for whom; the notification log lines would only repeat it.
  const riposte = await openRiposte(config, {
    notify: async () => undefined,
    notifyMention: async () => undefined,
  });
  try {
    const server = await buildServer(riposte, {
      logger: { level: 'warn', stream: { write: (line) => err(line.trimEnd()) } },
    });
    return { riposte, server };
  } catch (error) {
    await riposte.close();
    throw error;
  }
}

/** Sends the sample alerts once, noting each in the state file as Riposte acknowledges it. */
async function feedOnce(
  riposte: Riposte,
  url: string,
  dataDir: string,
  state: DemoState,
  spreadMs: number,
  signal: AbortSignal,
  onSent: (alert: DemoAlert, ids: string[]) => void,
): Promise<void> {
  const tokens = await createSources(
    riposte,
    DEMO_ALERTS.map((a) => a.format),
    demoSourceName,
  );
  await feedAlerts({
    baseUrl: url,
    tokens,
    alerts: DEMO_ALERTS,
    spreadMs,
    signal,
    onSent: (alert, ids) => {
      state.alerts[alert.key] = ids;
      writeDemoState(dataDir, state);
      onSent(alert, ids);
    },
  });
  if (signal.aborted) return;
  state.fedAt = new Date().toISOString();
  writeDemoState(dataDir, state);
}

const message = (error: unknown) => `riposte demo: ${error instanceof Error ? error.message : String(error)}`;

/**
 * `riposte demo`: Riposte on SQLite in its own data directory with every integration the built-in
 * playbooks use pointed at a local fake, sample alerts sent through the real ingest path, and a line
 * per alert as its playbook finishes or waits for a person in the console.
 */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const dataDir = path.resolve(options.dataDir);
  const { reused } = prepareDemoDir(dataDir, options.fresh);
  const state: DemoState = reused ? readDemoState(dataDir) : { fedAt: null, alerts: {} };
  const fakes = await startDemoFakes();
  let opened: { riposte: Riposte; server: RiposteServer };
  try {
    opened = await openDemoRiposte(dataDir, options.port, fakes, options.err);
  } catch (error) {
    await fakes.close();
    throw error;
  }
  const { riposte, server } = opened;
  const closeAll = async () => {
    await server.shutdown();
    await riposte.close();
    await fakes.close();
  };
  let url: string;
  let logins: DemoLogin[];
  try {
    // Listening first: a taken port stops the demo before it creates people whose passwords it
    // would never get to show.
    url = await listen(server.app, riposte.config.host, riposte.config.port);
    await configureInstances(riposte, fakes.instances);
    const assets = await loadAssets(riposte);
    await createBlockLists(riposte);
    logins = await createPeople(riposte);
    await riposte.startWorker();
    options.out(`Riposte demo — data in ${dataDir}${reused ? ' (from an earlier start)' : ''}`);
    options.out(
      `  ${fakes.instances.length} integrations point at local fakes (outbound allowed to their ports only); ` +
        `${assets} assets; block lists ${DEMO_BLOCK_LISTS.map((l) => l.name).join(', ')}`,
    );
  } catch (error) {
    await closeAll();
    throw error;
  }
  const consoleUrl = `${url}/ui/`;
  for (const line of banner({ consoleUrl, logins, dataDir })) options.out(line);
  if (!existsSync(path.join(CONSOLE_DIST, 'index.html')))
    options.err('The console is not built: run `npm run build:web` (the API works without it).');

  const watcher = new DemoWatcher(riposte, consoleUrl, options.out);
  for (const alert of DEMO_ALERTS) watcher.track(alert, state.alerts[alert.key] ?? []);
  const abort = new AbortController();
  const spreadMs = options.spreadMs ?? 30_000;
  if (state.fedAt === null)
    options.out(
      `Sending ${DEMO_ALERTS.length} sample alerts over ${Math.round(spreadMs / 1000)} s; a line per alert as its playbook finishes or waits for a person:`,
    );
  else options.out('The sample alerts were sent at an earlier start; where they stand:');
  const fed =
    state.fedAt === null
      ? feedOnce(riposte, url, dataDir, state, spreadMs, abort.signal, (alert, ids) =>
          watcher.track(alert, ids),
        )
      : Promise.resolve();
  fed.catch((error: unknown) => options.err(message(error)));

  let summarized = false;
  watcher.start(
    options.pollMs ?? 1_000,
    (error) => options.err(message(error)),
    (all) => {
      if (summarized || state.fedAt === null || !all.every(isSettled)) return;
      summarized = true;
      for (const line of summary(all, consoleUrl)) options.out(line);
    },
  );

  return {
    url,
    consoleUrl,
    riposte,
    fakes,
    logins,
    fed,
    progress: () => watcher.poll(),
    async close() {
      abort.abort();
      await fed.catch(() => undefined);
      await watcher.stop();
      await closeAll();
    },
  };
}
