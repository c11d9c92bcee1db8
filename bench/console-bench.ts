import { statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { type Io, UsageError } from '../src/cli/cli-context.ts';
import type { Riposte } from '../src/riposte.ts';
import { buildServer } from '../src/server/app.ts';
import { seededPlaybook } from './console-run-rows.ts';
import { createScratchDatabase } from '../src/store/scratch-database.ts';
import { consoleScenarios, type DeclaredParams, type Scenario } from './console-scenarios.ts';
import { PLAYBOOKS, SOURCES } from './console-data.ts';
import { benchDatabaseUrl, openOnScratch, wholeNumberOption as whole } from './options.ts';
import { seedConsoleData, type Volumes } from './console-seed.ts';

const GOAL_MS = 200;
const ACTOR = { id: 'bench', type: 'system' as const };
/** A scenario stops early after this long, so one pathological list cannot hold the run for hours. */
const SCENARIO_BUDGET_MS = 30_000;
/** How far down the cursor chain the deep page is. */
const CHAIN_PAGES = 20;

interface Settings {
  volumes: Volumes;
  requests: number;
  warmup: number;
  databaseUrl: string | undefined;
  /** Leave the seeded database in place (its URL is printed on stderr) to inspect query plans. */
  keep: boolean;
}

function readSettings(args: string[]): Settings {
  const { values } = parseArgs({
    args,
    options: {
      alerts: { type: 'string', default: '1000000' },
      cases: { type: 'string', default: '100000' },
      runs: { type: 'string' },
      tasks: { type: 'string' },
      audit: { type: 'string' },
      requests: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '3' },
      'database-url': { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const alerts = whole('alerts', values.alerts, 0, 100);
  const cases = whole('cases', values.cases, 0, 10);
  if (cases > alerts) throw new UsageError('--cases must not exceed --alerts: every case has an alert');
  const databaseUrl = benchDatabaseUrl(values['database-url']);
  return {
    volumes: {
      alerts,
      cases,
      runs: whole('runs', values.runs, Math.round(alerts / 5), 10),
      tasks: whole('tasks', values.tasks, Math.round(alerts / 50), 10),
      audit: whole('audit', values.audit, alerts, 10),
    },
    requests: whole('requests', values.requests, 0, 1),
    warmup: whole('warmup', values.warmup, 0, 0),
    databaseUrl,
    keep: values.keep === true,
  };
}

/**
 * After a bulk load PostgreSQL's autovacuum would analyze the tables (planner statistics) and set the
 * visibility map within minutes; doing it now measures the steady state instead of that window.
 * SQLite gets no ANALYZE: Riposte never runs one, so its plans must be good without statistics.
 */
async function settle(riposte: Riposte): Promise<void> {
  const db = riposte.database.db;
  if (riposte.database.dialect === 'postgres') await sql`VACUUM ANALYZE`.execute(db);
  else await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
}

async function databaseBytes(riposte: Riposte, url: string): Promise<number> {
  if (riposte.database.dialect === 'postgres') {
    const { rows } = await sql<{ n: number }>`SELECT pg_database_size(current_database()) AS n`.execute(
      riposte.database.db,
    );
    return Number(rows[0]?.n ?? 0);
  }
  const file = url.slice('sqlite://'.length);
  const size = (f: string) => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  };
  return size(file) + size(`${file}-wal`);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (n: number) => Math.round(n * 10) / 10;

interface PageAnswer {
  ms: number;
  status: number;
  items: number;
  nextCursor: string | null;
  problem?: string;
}

async function fetchPage(base: string, token: string, s: Scenario, cursor?: string): Promise<PageAnswer> {
  const query = new URLSearchParams({ ...s.query, ...(cursor === undefined ? {} : { cursor }) });
  const started = performance.now();
  const response = await fetch(`${base}${s.path}?${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200)
    return { ms, status: response.status, items: 0, nextCursor: null, problem: text.slice(0, 300) };
  // A list answers { items, nextCursor }; the case view and the dashboard are one object.
  const body = JSON.parse(text) as { items?: unknown[]; nextCursor?: string | null };
  return { ms, status: 200, items: body.items?.length ?? 1, nextCursor: body.nextCursor ?? null };
}

/** Warm-up requests (not counted), then `requests` sequential requests of the same page. */
async function timePage(base: string, token: string, s: Scenario, settings: Settings, cursor?: string) {
  const deadline = performance.now() + SCENARIO_BUDGET_MS;
  let last: PageAnswer | undefined;
  for (let i = 0; i < settings.warmup && performance.now() < deadline; i++)
    last = await fetchPage(base, token, s, cursor);
  const times: number[] = [];
  for (let i = 0; i < settings.requests && (i === 0 || performance.now() < deadline); i++) {
    last = await fetchPage(base, token, s, cursor);
    if (last.status !== 200) break;
    times.push(last.ms);
  }
  times.sort((a, b) => a - b);
  return {
    p50: round(percentile(times, 50)),
    p95: round(percentile(times, 95)),
    max: round(times.at(-1) ?? NaN),
    requests: times.length,
    items: last?.items ?? 0,
    more: last?.nextCursor !== null && last?.nextCursor !== undefined,
    ...(last?.status === 200 ? {} : { status: last?.status, problem: last?.problem }),
  };
}

/** The first page, and the page CHAIN_PAGES down the nextCursor chain (or as deep as the list goes). */
async function measureScenario(base: string, token: string, s: Scenario, settings: Settings) {
  const first = await timePage(base, token, s, settings);
  if (s.deep !== 'chain' || !first.more) return { first };
  let cursor: string | undefined;
  let depth = 0;
  for (let page = await fetchPage(base, token, s); page.nextCursor && depth < CHAIN_PAGES; depth++) {
    cursor = page.nextCursor;
    page = await fetchPage(base, token, s, cursor);
  }
  return { first, deep: { page: depth + 1, ...(await timePage(base, token, s, settings, cursor)) } };
}

function declaredParams(server: Awaited<ReturnType<typeof buildServer>>): DeclaredParams {
  const declared = new Map<string, Set<string>>();
  for (const op of server.openapi.operations) {
    if (op.method !== 'get') continue;
    const props = (op.schema['querystring'] as { properties?: Record<string, unknown> } | undefined)
      ?.properties;
    declared.set(op.url, new Set(Object.keys(props ?? {})));
  }
  return declared;
}

/**
 * `riposte bench console`: seeds a fresh database with a SOC's 90 days (1,000,000 alerts and 100,000
 * cases by default), starts the real server on 127.0.0.1 and times the first page of every list the
 * console shows, with and without its filters, over real HTTP with an API token.
 */
export async function runConsoleBench(args: string[], io: Io): Promise<Record<string, unknown>> {
  const settings = readSettings(args);
  const loadAtStart = loadavg()[0]!;
  const target = await createScratchDatabase(settings.databaseUrl, 'bench-console');
  let riposte: Riposte | undefined;
  let server: Awaited<ReturnType<typeof buildServer>> | undefined;
  try {
    riposte = await openOnScratch(target);
    io.stderr(`bench console: seeding ${JSON.stringify(settings.volumes)} on ${riposte.database.dialect}\n`);
    const seed = await seedConsoleData(riposte, settings.volumes, io);
    const settleStarted = performance.now();
    await settle(riposte);
    const settleSeconds = (performance.now() - settleStarted) / 1000;
    for (const source of SOURCES)
      await riposte.sources.create({ name: source.name, format: source.format }, ACTOR);
    // The seeded runs' playbooks, with the steps their stored states hold, for the metrics pages.
    for (const id of PLAYBOOKS) await riposte.playbooks.save(seededPlaybook(id), ACTOR);
    const { token } = await riposte.tokens.create({ name: 'bench-console', role: 'admin' }, ACTOR);
    server = await buildServer(riposte, { logger: false });
    const base = await server.app.listen({ port: 0, host: '127.0.0.1' });

    const lists: Record<string, unknown>[] = [];
    for (const s of consoleScenarios(seed.probes, declaredParams(server))) {
      if ('skipped' in s) {
        lists.push({ ...s });
        io.stderr(`  ${s.list}: ${s.name}: skipped (${s.skipped})\n`);
        continue;
      }
      const figures = await measureScenario(base, token, s, settings);
      const met = [figures.first, figures.deep].every((f) => f === undefined || f.p95 <= GOAL_MS);
      lists.push({
        list: s.list,
        name: s.name,
        request: `${s.path}?${new URLSearchParams(s.query)}`,
        ...figures,
        met,
      });
      io.stderr(
        `  ${s.list}: ${s.name}: p50 ${figures.first.p50} ms, p95 ${figures.first.p95} ms` +
          `${figures.deep ? `; page ${figures.deep.page}: p95 ${figures.deep.p95} ms` : ''}${met ? '' : '  ← over the goal'}\n`,
      );
    }
    const measured = lists.filter((l) => !('skipped' in l));
    return {
      scenario: 'console',
      database: riposte.database.dialect,
      volumes: settings.volumes,
      rows: seed.rows,
      seedSeconds: round(seed.seconds),
      settleSeconds: round(settleSeconds),
      databaseBytes: await databaseBytes(riposte, target.url),
      goalMs: GOAL_MS,
      goal: 'p95 of the first page (and of the deep page) ≤ goalMs',
      requestsPerPage: settings.requests,
      warmupRequests: settings.warmup,
      allMet: measured.every((l) => l['met'] === true),
      notMet: measured.filter((l) => l['met'] !== true).map((l) => `${l['list']}: ${l['name']}`),
      skipped: lists.filter((l) => 'skipped' in l).map((l) => `${l['list']}: ${l['name']}`),
      lists,
      // Other processes on the machine slow the figures; the 1-minute load average says how busy it was.
      machine: {
        node: process.version,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        loadAverageAtStart: round(loadAtStart),
        loadAverageAtEnd: round(loadavg()[0]!),
      },
    };
  } finally {
    await server?.shutdown();
    await riposte?.close();
    if (settings.keep) io.stderr(`bench console: kept ${target.url} (data dir ${target.dataDir})\n`);
    else await target.drop();
  }
}
