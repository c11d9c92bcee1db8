import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.ts';
import { openRiposte } from '../../riposte.ts';
import { buildServer } from '../../server/app.ts';
import { randomBytes } from 'node:crypto';
import type { Riposte } from '../../riposte.ts';
import type { LeaseHolder } from '../../runs/action-lease.ts';
import { leftoverSyslogSpools } from '../../ingest/syslog-listener.ts';
import { hostTenants } from '../../server/tenant-host.ts';
import { UsageError, type Io } from '../cli-context.ts';

export interface StopSignal {
  /** Resolves on SIGINT or SIGTERM, or `fail` — at once if one came before it was called. */
  received(): Promise<void>;
  /** Aborted when the command is to stop (a wait during start-up listens to it). */
  readonly signal: AbortSignal;
  /** Stops the command from inside, as a signal would, and makes it exit 1. */
  fail(reason: string): void;
  /** The exit code once stopped: 1 after `fail`, 0 after a signal. */
  readonly exitCode: number;
}

/**
 * Listens for SIGINT and SIGTERM from now on. Called before a long-running command starts up, so
 * that a signal arriving while it is still starting (migrations, a worker recovering queued runs)
 * is not the default one that kills the process mid-start: the command finishes starting, sees the
 * signal, and closes as it would have later.
 */
export function watchStopSignal(io: Io): StopSignal {
  const stopped = Promise.withResolvers<void>();
  const aborts = new AbortController();
  let exitCode = 0;
  const stop = (why: string) => {
    io.stderr(`riposte: ${why}, finishing in-flight requests and work\n`);
    aborts.abort();
    stopped.resolve();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return {
    async received() {
      // Signal handlers do not keep Node running; a worker has no server socket that would.
      const keepAlive = setInterval(() => undefined, 1 << 30);
      try {
        await stopped.promise;
      } finally {
        clearInterval(keepAlive);
      }
    },
    signal: aborts.signal,
    fail(reason) {
      exitCode = 1;
      stop(reason);
    },
    get exitCode() {
      return exitCode;
    },
  };
}

/** What a lost action lease does to a command: it stops, so that only the new holder acts. */
export function stopOnLostLease(stop: StopSignal) {
  return (holder: LeaseHolder | null) =>
    stop.fail(
      `another process (${holder ? `pid ${holder.pid} on ${holder.host}` : 'unknown'}) took the action lease ` +
        `while this one was not renewing it`,
    );
}

/** `riposte worker` — runs playbooks (actions, timers, tasks, schedules) without serving HTTP. */
export async function workerCommand(args: string[], io: Io): Promise<number> {
  parseArgs({ args, options: {} });
  const stop = watchStopSignal(io);
  const riposte = await openRiposte(loadConfig());
  // A second worker without Redis stands by until the one carrying out the actions stops.
  const started = await riposte.startWorker({
    standby: (holder) =>
      io.stderr(
        `riposte worker standing by: pid ${holder.pid} on ${holder.host} carries out the actions ` +
          `(without Redis only one process may); taking over when it stops\n`,
      ),
    signal: stop.signal,
    onLeaseLost: stopOnLostLease(stop),
  });
  if (started) io.stderr(`riposte worker running (database: ${riposte.database.dialect})\n`);
  // A worker stands by for the main installation's lease only; once it has it, it runs the tenants' too.
  const tenants = started
    ? await hostTenants(riposte, { worker: { onLeaseLost: stopOnLostLease(stop) } })
    : undefined;
  await stop.received();
  await tenants?.close();
  await riposte.close();
  return stop.exitCode;
}

/** `riposte serve [--port N] [--host H] [--role all|api]` — runs until SIGINT/SIGTERM, then drains. */
export async function serveCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, host: { type: 'string' }, role: { type: 'string', default: 'all' } },
  });
  if (values.role !== 'all' && values.role !== 'api') throw new UsageError('--role must be "all" or "api"');
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
    throw new UsageError('--port must be 0–65535');
  const config = loadConfig(process.env, {
    ...(port === undefined ? {} : { port }),
    ...(values.host ? { host: values.host } : {}),
  });
  const stop = watchStopSignal(io);
  const riposte = await openRiposte(config);
  // `--role api` serves requests only; `riposte worker` processes run the playbooks (queued runs in the database).
  if (values.role === 'all') {
    try {
      await riposte.startWorker({ onLeaseLost: stopOnLostLease(stop) });
    } catch (error) {
      await riposte.close();
      throw error;
    }
  }
  const tenants = await hostTenants(riposte, {
    serve: (tenant) => buildServer(tenant),
    syslog: true,
    ...(values.role === 'all' ? { worker: { onLeaseLost: stopOnLostLease(stop) } } : {}),
  });
  const server = await buildServer(riposte, tenants ? { hosts: tenants } : {});
  const address = await server.app.listen({ port: config.port, host: config.host });
  io.stderr(
    `riposte listening on ${address} (role: ${values.role}, database: ${riposte.database.dialect}, data: ${config.dataDir})\n`,
  );
  io.stderr(`console: ${consoleUrl(address)}\n`);
  if (tenants?.running.length)
    io.stderr(`tenants: ${tenants.running.map((slug) => riposte.tenants!.url(slug)).join(', ')}\n`);
  try {
    for (const listener of await riposte.startSyslog())
      io.stderr(`syslog: ${listener.address} → source ${listener.source}\n`);
    for (const listener of config.syslogListeners.filter((l) => l.tenant))
      io.stderr(
        `syslog: ${listener.protocol}://${listener.host}:${listener.port} → tenant ${listener.tenant}, source ${listener.source} (while the tenant is open here)\n`,
      );
    for (const spool of leftoverSyslogSpools(config))
      io.stderr(
        `syslog: the spool ${spool.dir} holds ${spool.bytes} bytes of messages no listener takes up (its listener's address or source changed, or it was removed): configure that listener again to ingest them, or delete the directory\n`,
      );
  } catch (error) {
    await server.shutdown();
    await tenants?.close();
    await riposte.close();
    throw error;
  }
  const first = await firstAdmin(riposte);
  if (first)
    io.stderr(
      `nobody could log in yet, so the person "${first.username}" (role admin) was created with the password\n` +
        `  ${first.password}\n` +
        `(shown only now; change it under Settings → Users and roles, or add people with \`riposte user create\`)\n`,
    );
  await stop.received();
  await server.shutdown();
  await tenants?.close();
  await riposte.close();
  return stop.exitCode;
}

/** The console's address for people: a wildcard listen address is reached on the loopback. */
export function consoleUrl(address: string): string {
  const url = new URL(address);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1';
  url.pathname = '/ui/';
  return url.toString();
}

/**
 * On the first start there is no person to log in as: create `admin` with a random password, once. Nothing
 * happens when any person exists (created by `riposte user create`, the console, or an earlier start).
 */
export async function firstAdmin(riposte: Riposte): Promise<{ username: string; password: string } | null> {
  if ((await riposte.users.list()).length > 0) return null;
  const password = randomBytes(15).toString('base64url');
  await riposte.users.create(
    { username: 'admin', role: 'admin', password },
    { id: 'system:first-start', type: 'system' },
  );
  return { username: 'admin', password };
}
