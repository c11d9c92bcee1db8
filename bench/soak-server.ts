/**
 * The server process of `riposte bench soak`: Riposte (role full: HTTP, ingest, worker) on the bench's
 * database, with the engine bench's fake enrichment actions and a playbook every soak alert triggers.
 * Started with `--expose-gc`, so a memory sample is taken after a full collection: what is still
 * reachable, not what the collector has not got round to yet.
 *
 * Arguments: data dir, database URL, and `builtins` to load the built-in playbooks too. Prints one JSON line on stdout once it listens
 * (`{ port, adminToken, sourceToken }`), then answers `{ type: 'sample' }` messages on its IPC channel
 * with its memory and what it has stored. SIGTERM shuts it down gracefully.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../src/config.ts';
import { openRiposte } from '../src/riposte.ts';
import { buildServer } from '../src/server/app.ts';
import { enrichEveryAlert } from './engine-bench.ts';

const ACTOR = { id: 'bench', type: 'system' as const };
const [dataDir, databaseUrl, builtins] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('the soak server needs --expose-gc');

const riposte = await openRiposte(
  loadConfig(
    {},
    {
      dataDir: dataDir!,
      databaseUrl: databaseUrl!,
      logLevel: 'silent',
      // One token makes all the soak's requests: the per-principal limit would measure itself.
      rateLimitPerMinute: 0,
      builtinPlaybooks: builtins === 'builtins',
    },
  ),
);
await enrichEveryAlert(riposte, 'soak');
const server = await buildServer(riposte, { logger: false });
const address = new URL(await server.app.listen({ port: 0, host: '127.0.0.1' }));
await riposte.startWorker();
const source = await riposte.sources.create({ name: 'soak', format: 'suricata' }, ACTOR);
const admin = await riposte.tokens.create({ name: 'soak', role: 'admin', expiresAt: null }, ACTOR);
process.stdout.write(
  `${JSON.stringify({ port: Number(address.port), adminToken: admin.token, sourceToken: source.token })}\n`,
);

async function stored() {
  const db = riposte.database.db;
  const alerts = await db
    .selectFrom('alerts')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  const runs = await db
    .selectFrom('runs')
    .select(['status', (eb) => eb.fn.countAll().as('n')])
    .groupBy('status')
    .execute();
  return {
    alerts: Number(alerts.n),
    runs: Object.fromEntries(runs.map((r) => [r.status, Number(r.n)])),
  };
}

/**
 * The resident set split as Linux reports it: anonymous memory (the heap, native allocations,
 * SQLite's page cache) and file-backed pages (the database file SQLite maps, which the kernel can
 * drop and which grows with the file up to `mmap_size`). Undefined off Linux.
 */
function residentSplit(): { anon: number; file: number } | undefined {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') };
  } catch {
    return undefined;
  }
}

process.on('message', (message: { type?: string }) => {
  if (message.type !== 'sample') return;
  // Two passes: the first can leave objects with finalizers (sockets, statements) for the second.
  gc();
  gc();
  const memory = process.memoryUsage();
  const resident = residentSplit();
  void stored().then(
    (counts) => process.send!({ type: 'sample', memory, resident, ...counts }),
    (error: Error) => process.send!({ type: 'error', message: error.message }),
  );
});

process.once('SIGTERM', () => {
  void server
    .shutdown()
    .then(() => riposte.close())
    .then(() => process.exit(0));
});
