import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { type Io, UsageError } from '../src/cli/cli-context.ts';
import type { IngestResult } from '../src/ingest/ingest-service.ts';
import type { Riposte } from '../src/riposte.ts';
import { createScratchDatabase } from '../src/store/scratch-database.ts';
import { alertSequence } from './alert-bodies.ts';
import { openOnScratch, wholeNumberOption } from './options.ts';

/** Bodies prepared (on the ingest threads) while earlier ones are written, as `riposte ingest` does. */
const IN_FLIGHT = 3;
/** Alert n has its own source address below 2^24 (bench/alert-bodies.ts): beyond, they would repeat. */
const MAX_ALERTS = 1 << 24;

interface Settings {
  alerts: number;
  batch: number;
  step: number;
  withoutDedup: boolean;
  /** The page cache; unset: the server's default (RIPOSTE_SQLITE_CACHE_MB). */
  sqliteCacheMb: number | undefined;
}

interface Step {
  storedBefore: number;
  alerts: number;
  alertsPerSecond: number;
  mainThreadMicrosecondsPerAlert: number;
  /** The longest any body of the step waited from hand-over to its durable commit (a dedup merge shows here). */
  slowestBodyMilliseconds: number;
}

function readSettings(args: string[]): Settings {
  const { values } = parseArgs({
    args,
    options: {
      alerts: { type: 'string' },
      batch: { type: 'string' },
      step: { type: 'string' },
      // A diagnostic, not a configuration: what dedup's lookups cost (window 0; its index is still kept).
      'without-dedup': { type: 'boolean', default: false },
      // What the page cache is worth as the database grows (docs/benchmarks.md, twelfth session).
      'sqlite-cache-mb': { type: 'string' },
    },
  });
  const numbers = {
    alerts: wholeNumberOption('alerts', values.alerts, 1_000_000, 1),
    batch: wholeNumberOption('batch', values.batch, 1000, 1),
    step: wholeNumberOption('step', values.step, 100_000, 1),
  };
  if (numbers.alerts > MAX_ALERTS) throw new UsageError(`--alerts must be at most ${MAX_ALERTS}`);
  for (const name of ['step', 'alerts'] as const)
    if (numbers[name] % numbers.batch !== 0) throw new UsageError(`--${name} must be a multiple of --batch`);
  const cache = values['sqlite-cache-mb'];
  return {
    ...numbers,
    withoutDedup: values['without-dedup'] === true,
    sqliteCacheMb: cache === undefined ? undefined : wholeNumberOption('sqlite-cache-mb', cache, 0, 2),
  };
}

/**
 * `riposte bench ingest-growth`: bulk ingest (the whole pipeline without HTTP: prepare, dedup,
 * grouping, insert, durable commit) into one SQLite database as it fills, reported per step of
 * stored alerts. `bench ingest` starts every round from an empty database; this shows how far a
 * database that has been receiving alerts for a while falls behind that.
 */
export async function runIngestGrowthBench(args: string[], io: Io): Promise<Record<string, unknown>> {
  const s = readSettings(args);
  const target = await createScratchDatabase(undefined, 'bench-growth');
  let riposte: Riposte | undefined;
  try {
    riposte = await openOnScratch(target, {
      builtinPlaybooks: false,
      ...(s.withoutDedup ? { dedupWindowSeconds: 0 } : {}),
      ...(s.sqliteCacheMb === undefined ? {} : { sqliteCacheMb: s.sqliteCacheMb }),
    });
    await riposte.sources.create({ name: 'bench', format: 'suricata' }, { id: 'bench', type: 'system' });
    const source = await riposte.sources.get('bench');
    const actor = { id: 'bench', type: 'source' as const };
    const { ingest } = riposte;
    const steps: Step[] = [];
    let stored = 0;
    const bodies = alertSequence(0, s.batch);
    while (stored < s.alerts) {
      const stepAlerts = Math.min(s.step, s.alerts - stored);
      const started = performance.now();
      const loop = performance.eventLoopUtilization();
      const inFlight: Promise<IngestResult>[] = [];
      let accepted = 0;
      let slowest = 0;
      const timed = async (body: string): Promise<IngestResult> => {
        const sentAt = performance.now();
        const result = await ingest.ingest(source, body, 'application/json', actor);
        slowest = Math.max(slowest, performance.now() - sentAt);
        return result;
      };
      for (let sent = 0; sent < stepAlerts; sent += s.batch) {
        inFlight.push(timed(bodies.next()));
        if (inFlight.length >= IN_FLIGHT) accepted += (await inFlight.shift()!).accepted;
      }
      for (const pending of inFlight) accepted += (await pending).accepted;
      const seconds = (performance.now() - started) / 1000;
      const busy = performance.eventLoopUtilization(loop);
      if (accepted !== stepAlerts) throw new Error(`${stepAlerts} alerts sent, ${accepted} stored as new`);
      steps.push({
        storedBefore: stored,
        alerts: stepAlerts,
        alertsPerSecond: Math.round(stepAlerts / seconds),
        mainThreadMicrosecondsPerAlert: Math.round((busy.active * 1000 * 10) / stepAlerts) / 10,
        slowestBodyMilliseconds: Math.round(slowest),
      });
      stored += stepAlerts;
      io.stderr(`${stored} alerts stored: ${steps.at(-1)!.alertsPerSecond} alerts/s over the last step\n`);
    }
    const first = steps[0]!.alertsPerSecond;
    const last = steps.at(-1)!.alertsPerSecond;
    return {
      steps,
      firstStepAlertsPerSecond: first,
      lastStepAlertsPerSecond: last,
      lastToFirst: Math.round((last / first) * 100) / 100,
      settings: { ...s, sqliteCacheMb: await cacheMegabytes(riposte) },
    };
  } finally {
    await riposte?.close();
    await target.drop();
  }
}

/** The page cache the database was opened with, as SQLite reports it (negative: KiB). */
async function cacheMegabytes(riposte: Riposte): Promise<number> {
  const { rows } = await sql<{ cache_size: number }>`PRAGMA cache_size`.execute(riposte.database.db);
  return -rows[0]!.cache_size / 1024;
}
