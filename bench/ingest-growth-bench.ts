import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { type Io, UsageError } from '../src/cli/cli-context.ts';
import { loadConfig } from '../src/config.ts';
import type { IngestResult } from '../src/ingest/ingest-service.ts';
import { openRiposte } from '../src/riposte.ts';
import { eveBody } from './alert-bodies.ts';

/** Bodies prepared (on the ingest threads) while earlier ones are written, as `riposte ingest` does. */
const IN_FLIGHT = 3;

interface Settings {
  alerts: number;
  batch: number;
  step: number;
  withoutDedupIndex: boolean;
}

function readSettings(args: string[]): Settings {
  const { values } = parseArgs({
    args,
    options: {
      alerts: { type: 'string', default: '1000000' },
      batch: { type: 'string', default: '1000' },
      step: { type: 'string', default: '100000' },
      // A diagnostic, not a configuration: what the dedup index costs (dedup is off, its index dropped).
      'without-dedup-index': { type: 'boolean', default: false },
    },
  });
  const numbers = { alerts: Number(values.alerts), batch: Number(values.batch), step: Number(values.step) };
  for (const [name, n] of Object.entries(numbers))
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number ≥ 1`);
  for (const name of ['step', 'alerts'] as const)
    if (numbers[name] % numbers.batch !== 0) throw new UsageError(`--${name} must be a multiple of --batch`);
  return { ...numbers, withoutDedupIndex: values['without-dedup-index'] === true };
}

/**
 * `riposte bench ingest-growth`: bulk ingest (the whole pipeline without HTTP: prepare, dedup,
 * grouping, insert, durable commit) into one SQLite database as it fills, reported per step of
 * stored alerts. `bench ingest` starts every round from an empty database; this shows how far a
 * database that has been receiving alerts for a while falls behind that.
 */
export async function runIngestGrowthBench(args: string[], io: Io): Promise<Record<string, unknown>> {
  const s = readSettings(args);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'riposte-bench-growth-'));
  const riposte = await openRiposte(
    loadConfig(
      {},
      {
        dataDir,
        logLevel: 'silent',
        builtinPlaybooks: false,
        ...(s.withoutDedupIndex ? { dedupWindowSeconds: 0 } : {}),
      },
    ),
  );
  try {
    if (s.withoutDedupIndex) await sql`DROP INDEX alerts_fingerprint_short`.execute(riposte.database.db);
    await riposte.sources.create({ name: 'bench', format: 'suricata' }, { id: 'bench', type: 'system' });
    const source = await riposte.sources.get('bench');
    const actor = { id: 'bench', type: 'source' as const };
    const steps: {
      storedBefore: number;
      alerts: number;
      alertsPerSecond: number;
      mainThreadMicrosecondsPerAlert: number;
    }[] = [];
    let stored = 0;
    let next = 0;
    const body = (): string => {
      const parts: string[] = [];
      for (let i = 0; i < s.batch; i++) parts.push(eveBody(next++));
      return `[${parts.join(',')}]`;
    };
    while (stored < s.alerts) {
      const stepAlerts = Math.min(s.step, s.alerts - stored);
      const started = performance.now();
      const loop = performance.eventLoopUtilization();
      const inFlight: Promise<IngestResult>[] = [];
      let accepted = 0;
      for (let sent = 0; sent < stepAlerts; sent += s.batch) {
        inFlight.push(riposte.ingest.ingest(source, body(), 'application/json', actor));
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
      settings: { alerts: s.alerts, batch: s.batch, step: s.step, withoutDedupIndex: s.withoutDedupIndex },
    };
  } finally {
    await riposte.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
