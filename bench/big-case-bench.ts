import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { UsageError, type Io } from '../src/cli/cli-context.ts';
import type { Riposte } from '../src/riposte.ts';
import { buildServer } from '../src/server/app.ts';
import { createScratchDatabase } from '../src/store/scratch-database.ts';
import { eveBody } from './alert-bodies.ts';
import { enrichEveryAlert } from './engine-bench.ts';
import { benchDatabaseUrl, openOnScratch } from './options.ts';

const ACTOR = { id: 'bench', type: 'system' as const };
const BATCH = 1000;
const CALLS = 3;

/**
 * `riposte bench big-case [--alerts 50000,100000,200000] [--database-url postgres://…]` — one case
 * that grows: distinct Suricata alerts sharing a destination and domain (a noisy rule), each starting
 * a five-step run a worker carries out. At each size, what opening the case in the console costs:
 * its detail, timeline, runs, tasks, and the dashboard, through the real routes. JSON on stdout.
 */
export async function runBigCaseBench(args: string[], io: Io): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: {
      alerts: { type: 'string', default: '50000,100000,200000' },
      'database-url': { type: 'string' },
    },
  });
  const sizes = values.alerts.split(',').map(Number);
  if (
    sizes.some(
      (n, i) => !Number.isInteger(n) || n < BATCH || n % BATCH !== 0 || (i > 0 && n <= sizes[i - 1]!),
    )
  )
    throw new UsageError(`--alerts must be increasing multiples of ${BATCH}, comma-separated`);
  const target = await createScratchDatabase(benchDatabaseUrl(values['database-url']), 'bench-big-case');
  let riposte: Riposte | undefined;
  try {
    riposte = await openOnScratch(target, { builtinPlaybooks: false });
    await enrichEveryAlert(riposte, 'big');
    await riposte.startWorker();
    await riposte.sources.create({ name: 'big', format: 'suricata' }, ACTOR);
    const source = await riposte.sources.get('big');
    const { token } = await riposte.tokens.create({ name: 'bench', role: 'admin', expiresAt: null }, ACTOR);
    const server = await buildServer(riposte, { logger: false });
    const steps = [];
    let stored = 0;
    for (const size of sizes) {
      io.stderr(`bench big-case: ${size} alerts\n`);
      for (; stored < size; stored += BATCH) {
        const body = `[${Array.from({ length: BATCH }, (_, k) => eveBody(stored + k)).join(',')}]`;
        await riposte.ingest.ingest(source, body, 'application/json', ACTOR);
      }
      await untilRunsDone(riposte);
      await riposte.grouping.drain();
      const big = await riposte.database.db
        .selectFrom('cases')
        .select(['id', 'alert_count'])
        .orderBy('alert_count', 'desc')
        .limit(1)
        .executeTakeFirstOrThrow();
      const time = async (url: string) => {
        const ms: number[] = [];
        let bytes = 0;
        for (let i = 0; i < CALLS; i++) {
          const started = performance.now();
          const res = await server.app.inject({
            method: 'GET',
            url,
            headers: { authorization: `Bearer ${token}` },
          });
          ms.push(Math.round((performance.now() - started) * 10) / 10);
          if (res.statusCode !== 200)
            throw new Error(`GET ${url}: HTTP ${res.statusCode} ${res.body.slice(0, 200)}`);
          bytes = res.body.length;
        }
        return { ms, bytes };
      };
      steps.push({
        alerts: size,
        caseAlerts: Number(big.alert_count),
        caseDetail: await time(`/api/v1/cases/${big.id}`),
        timeline: await time(`/api/v1/cases/${big.id}/timeline?limit=25`),
        runsOfCase: await time(`/api/v1/runs?caseId=${big.id}&limit=25`),
        tasksOfCase: await time(`/api/v1/tasks?caseId=${big.id}&mine=false`),
        observablesPage: await time(`/api/v1/cases/${big.id}/observables?limit=100`),
        dashboard: await time('/api/v1/dashboard'),
      });
    }
    await server.shutdown();
    return {
      scenario: 'big-case',
      database: target.dialect,
      node: process.version,
      cpus: cpus().length,
      callsEach: CALLS,
      steps,
    };
  } finally {
    await riposte?.close();
    await target.drop();
  }
}

async function untilRunsDone(riposte: Riposte): Promise<void> {
  for (;;) {
    const open = await riposte.database.db
      .selectFrom('runs')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('status', 'not in', ['succeeded', 'failed', 'cancelled'])
      .executeTakeFirstOrThrow();
    if (Number(open.n) === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}
