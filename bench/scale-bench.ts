import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { UsageError, type Io } from '../src/cli/cli-context.ts';
import { createScratchDatabase } from '../src/store/scratch-database.ts';
import { dropRedisPrefix } from '../src/queue/redis-keys.ts';
import { benchActions, enrichPlaybook, startRuns } from './engine-bench.ts';
import { benchDatabaseUrl, openOnScratch, wholeNumberOption } from './options.ts';

const ACTOR = { id: 'bench', type: 'system' as const };
const WARMUP_RUNS = 500;

interface Round {
  workers: number;
  runsPerSecond: number;
  seconds: number;
}

/**
 * `riposte bench scale [--workers 1,2] [--runs 5000] [--database-url postgres://…] [--redis-url redis://…]`
 * Runs of the engine bench's 5-step playbook, started by an API process and carried out by N worker
 * processes sharing the database and the Redis queue; one round per worker count, each on a fresh
 * database and key prefix. JSON on stdout.
 */
export async function runScaleBench(args: string[], io: Io): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: {
      workers: { type: 'string', default: '1,2' },
      runs: { type: 'string' },
      'database-url': { type: 'string' },
      'redis-url': { type: 'string', default: process.env.RIPOSTE_REDIS_URL ?? 'redis://127.0.0.1:6379' },
    },
  });
  const counts = values.workers.split(',').map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 32))
    throw new UsageError('--workers must be a comma-separated list of whole numbers from 1 to 32');
  const runs = wholeNumberOption('runs', values.runs, 5_000, 100);
  const adminUrl = benchDatabaseUrl(values['database-url']);
  const redisUrl = values['redis-url'];
  if (!/^rediss?:\/\//.test(redisUrl)) throw new UsageError('--redis-url must be a redis:// URL');
  const rounds: Round[] = [];
  for (const workers of counts) rounds.push(await round(workers, runs, adminUrl, redisUrl, io));
  const one = rounds.find((r) => r.workers === 1);
  return {
    scenario: 'scale',
    database: adminUrl ? 'postgres' : 'sqlite',
    node: process.version,
    cpus: cpus().length,
    runs,
    stepsPerRun: 5,
    rounds,
    // Runs per second with N workers over N times the one-worker figure: 1 is linear.
    scaling: one
      ? Object.fromEntries(
          rounds.map((r) => [
            r.workers,
            Math.round((r.runsPerSecond / (one.runsPerSecond * r.workers)) * 100) / 100,
          ]),
        )
      : null,
  };
}

async function round(
  workers: number,
  runs: number,
  adminUrl: string | undefined,
  redisUrl: string,
  io: Io,
): Promise<Round> {
  const target = await createScratchDatabase(adminUrl, 'bench-scale');
  const prefix = `riposte-bench-${randomBytes(4).toString('hex')}`;
  const masterKey = randomBytes(32).toString('hex');
  const settings = { builtinPlaybooks: false, redisUrl, redisPrefix: prefix, masterKey };
  const api = await openOnScratch(target, settings);
  const children: ChildProcess[] = [];
  try {
    // Registered so the playbook compiles here; this process carries out none of them (no worker).
    for (const action of benchActions()) api.actions.register(action);
    const saved = await api.playbooks.save(
      enrichPlaybook('bench_enrich', '{ manual: true }', '${{ inputs.ip }}'),
      ACTOR,
    );
    for (let i = 0; i < workers; i++) {
      const child = spawn(
        process.execPath,
        [
          new URL('./scale-worker.ts', import.meta.url).pathname,
          target.dataDir,
          target.url,
          redisUrl,
          prefix,
          masterKey,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`a worker exited with ${code} before it was ready`)));
      });
    }
    const finished = async () => {
      const row = await api.database.db
        .selectFrom('runs')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('status', 'in', ['succeeded', 'failed', 'cancelled'])
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };
    const until = async (n: number) => {
      while ((await finished()) < n) await new Promise((r) => setTimeout(r, 50));
    };
    io.stderr(`bench scale: ${workers} worker(s), warm-up\n`);
    await startRuns(api, WARMUP_RUNS, saved.playbook.version);
    await until(WARMUP_RUNS);
    io.stderr(`bench scale: ${workers} worker(s), ${runs} runs\n`);
    const started = performance.now();
    await startRuns(api, runs, saved.playbook.version);
    await until(WARMUP_RUNS + runs);
    const seconds = (performance.now() - started) / 1000;
    const failed = await api.database.db
      .selectFrom('runs')
      .select('id')
      .where('status', '!=', 'succeeded')
      .limit(1)
      .execute();
    if (failed.length > 0) throw new Error(`benchmark run ${failed[0]!.id} did not succeed`);
    return { workers, runsPerSecond: Math.round(runs / seconds), seconds: Math.round(seconds * 100) / 100 };
  } finally {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    await api.close();
    await target.drop();
    await dropRedisPrefix(redisUrl, prefix);
  }
}
