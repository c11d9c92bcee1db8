import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { UsageError, type Io } from '../src/cli/cli-context.ts';
import { createScratchDatabase } from '../src/store/scratch-database.ts';
import { eveBody } from './alert-bodies.ts';
import { benchDatabaseUrl } from './options.ts';

/**
 * The goal (DESIGN §4: "memory flat over a 10-minute soak"), made measurable: over the measured window
 * (after the warm-up), the least-squares trend of the server's heap after a full collection may rise by
 * at most `heapShare` of the window's first sample, and its anonymous resident memory (heap, native
 * allocations, SQLite's page cache) by at most `anonShare`. File-backed pages (the database file SQLite
 * maps, up to `mmap_size`) grow with the file and are the kernel's to drop; they are reported, not judged.
 */
const GOALS = { heapShare: 0.05, anonShare: 0.05 };
const MB = 1024 * 1024;
const TICK_MS = 50;
/** Requests the driver keeps open at once; past it, a due single post is shed and counted. */
const MAX_IN_FLIGHT = 256;

interface Settings {
  minutes: number;
  warmupMinutes: number;
  rate: number;
  bulkRate: number;
  sampleSeconds: number;
  consoleEvery: number;
  builtinPlaybooks: boolean;
  databaseUrl: string | undefined;
}

interface Sample {
  seconds: number;
  heapUsedMB: number;
  rssMB: number;
  rssAnonMB: number;
  rssFileMB: number;
  externalMB: number;
  arrayBuffersMB: number;
  alerts: number;
  runsSucceeded: number;
  runsOpen: number;
}

interface Traffic {
  sent: number;
  answered: number;
  failed: number;
  shed: number;
  byKind: Record<string, { sent: number; failed: number }>;
  firstFailure?: string;
  acceptedAlerts: number;
  duplicates: number;
  streamEvents: number;
}

function parse(args: string[]): Settings {
  const { values } = parseArgs({
    args,
    options: {
      minutes: { type: 'string', default: '10' },
      'warmup-minutes': { type: 'string', default: '2' },
      rate: { type: 'string', default: '300' },
      'bulk-rate': { type: 'string', default: '100' },
      'sample-seconds': { type: 'string', default: '10' },
      'console-every': { type: 'string', default: '2' },
      'builtin-playbooks': { type: 'boolean', default: false },
      'database-url': { type: 'string' },
    },
  });
  const positive = (name: string, raw: string, least: number): number => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < least) throw new UsageError(`--${name} must be a number ≥ ${least}`);
    return n;
  };
  const settings: Settings = {
    minutes: positive('minutes', values.minutes, 0.05),
    warmupMinutes: positive('warmup-minutes', values['warmup-minutes'], 0),
    rate: positive('rate', values.rate, 1),
    bulkRate: positive('bulk-rate', values['bulk-rate'], 0),
    sampleSeconds: positive('sample-seconds', values['sample-seconds'], 0.5),
    consoleEvery: positive('console-every', values['console-every'], 0.1),
    builtinPlaybooks: values['builtin-playbooks'],
    databaseUrl: benchDatabaseUrl(values['database-url']),
  };
  if (settings.warmupMinutes >= settings.minutes)
    throw new UsageError('--warmup-minutes must be shorter than --minutes');
  if (settings.sampleSeconds * 3 > (settings.minutes - settings.warmupMinutes) * 60)
    throw new UsageError(
      'the measured window (--minutes less --warmup-minutes) must hold at least 3 samples',
    );
  return settings;
}

/**
 * `riposte bench soak [--minutes 10] [--warmup-minutes 2] [--rate 300] [--bulk-rate 100]
 * [--sample-seconds 10] [--console-every 2] [--database-url postgres://…]` — a steady mixed load on a real server process
 * for a fixed time, with its memory sampled after full collections. JSON on stdout.
 */
export async function runSoakBench(args: string[], io: Io): Promise<Record<string, unknown>> {
  const s = parse(args);
  const target = await createScratchDatabase(s.databaseUrl, 'bench-soak');
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      new URL('./soak-server.ts', import.meta.url).pathname,
      target.dataDir,
      target.url,
      ...(s.builtinPlaybooks ? ['builtins'] : []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
  );
  try {
    const ready = await firstLine(child);
    const server = JSON.parse(ready) as { port: number; adminToken: string; sourceToken: string };
    io.stderr(
      `bench soak: ${s.minutes} min (${s.warmupMinutes} warm-up), ${s.rate} single + ${s.bulkRate} bulk alerts/s, ` +
        `a console look every ${s.consoleEvery} s, live streams, a sample every ${s.sampleSeconds} s\n`,
    );
    const started = performance.now();
    const samples: Sample[] = [];
    const sampleTimer = setInterval(() => {
      void sample(child, started).then((x) => {
        samples.push(x);
        io.stderr(
          `  ${x.seconds} s: heap ${x.heapUsedMB} MB, rss ${x.rssMB} MB (anon ${x.rssAnonMB}), ${x.alerts} alerts, ${x.runsSucceeded} runs done\n`,
        );
      });
    }, s.sampleSeconds * 1000);
    const traffic = await drive(server, s);
    clearInterval(sampleTimer);
    // Let the last runs finish, so the final counts say whether the server kept up.
    const drainDeadline = Date.now() + 60_000;
    let last = await sample(child, started);
    while (last.runsOpen > 0 && Date.now() < drainDeadline) {
      await new Promise((r) => setTimeout(r, 500));
      last = await sample(child, started);
    }
    return report(s, samples, last, traffic, target.dialect);
  } finally {
    await stop(child);
    await target.drop();
  }
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const end = text.indexOf('\n');
      if (end >= 0) resolve(text.slice(0, end));
    });
    child.once('exit', (code) => reject(new Error(`the soak server exited with ${code} before it listened`)));
  });
}

function sample(child: ChildProcess, started: number): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: {
      type: string;
      message?: string;
      memory: NodeJS.MemoryUsage;
      resident?: { anon: number; file: number };
      alerts: number;
      runs: Record<string, number>;
    }) => {
      child.off('message', onMessage);
      if (message.type !== 'sample')
        return reject(new Error(`the soak server failed to sample: ${message.message}`));
      const mb = (n: number) => Math.round((n / MB) * 10) / 10;
      const runs = message.runs;
      resolve({
        seconds: Math.round((performance.now() - started) / 100) / 10,
        heapUsedMB: mb(message.memory.heapUsed),
        rssMB: mb(message.memory.rss),
        // Off Linux there is no split: all of the resident set counts as anonymous (the stricter reading).
        rssAnonMB: mb(message.resident?.anon ?? message.memory.rss),
        rssFileMB: mb(message.resident?.file ?? 0),
        externalMB: mb(message.memory.external),
        arrayBuffersMB: mb(message.memory.arrayBuffers),
        alerts: message.alerts,
        runsSucceeded: runs['succeeded'] ?? 0,
        runsOpen: Object.entries(runs)
          .filter(([status]) => !['succeeded', 'failed', 'cancelled'].includes(status))
          .reduce((n, [, count]) => n + count, 0),
      });
    };
    child.on('message', onMessage);
    child.send({ type: 'sample' });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * The load, open loop on 50 ms ticks (a late tick catches up): single posts at `rate` (one in ten a
 * repeat of a recent alert, so dedup counts it), a bulk array each second, and an analyst's console
 * every `consoleEvery` seconds — case and alert lists, a case's detail and timeline, a comment, the
 * dashboard — with one live stream held open throughout and a second one opened and dropped every
 * five seconds.
 */
async function drive(
  server: { port: number; adminToken: string; sourceToken: string },
  s: Settings,
): Promise<Traffic> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const traffic: Traffic = {
    sent: 0,
    answered: 0,
    failed: 0,
    shed: 0,
    byKind: {},
    acceptedAlerts: 0,
    duplicates: 0,
    streamEvents: 0,
  };
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const call = (
    kind: string,
    method: string,
    path: string,
    token: string,
    body?: string,
  ): Promise<string> => {
    const tally = (traffic.byKind[kind] ??= { sent: 0, failed: 0 });
    tally.sent++;
    traffic.sent++;
    inFlight++;
    const done = new Promise<string>((resolve) => {
      const fail = (why: string) => {
        tally.failed++;
        traffic.failed++;
        traffic.firstFailure ??= `${method} ${path}: ${why}`;
        resolve('');
      };
      const req = request(
        {
          agent,
          host: '127.0.0.1',
          port: server.port,
          method,
          path,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            traffic.answered++;
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(text);
            else fail(`HTTP ${status} ${text.slice(0, 200)}`);
          });
          res.on('error', (e) => fail(e.message));
        },
      );
      req.on('error', (e) => fail(e.message));
      req.end(body);
    }).finally(() => inFlight--);
    const tracked = done.then(() => undefined);
    pending.add(tracked);
    void tracked.finally(() => pending.delete(tracked));
    return done;
  };
  const ingest = (body: string, kind: string) =>
    call(kind, 'POST', '/api/v1/sources/soak/alerts', server.sourceToken, body).then((text) => {
      if (!text) return;
      const answer = JSON.parse(text) as { accepted: number; duplicates: number };
      traffic.acceptedAlerts += answer.accepted;
      traffic.duplicates += answer.duplicates;
    });
  const admin = (kind: string, path: string, method = 'GET', body?: string) =>
    call(kind, method, path, server.adminToken, body);

  const streams = new Set<{ destroy(): void }>();
  const openStream = (): { destroy(): void } => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: '/api/v1/stream',
        headers: { authorization: `Bearer ${server.adminToken}`, accept: 'text/event-stream' },
      },
      (res) => {
        if (res.statusCode !== 200) {
          traffic.failed++;
          traffic.firstFailure ??= `GET /api/v1/stream: HTTP ${res.statusCode}`;
        }
        res.on('data', (c: Buffer) => {
          for (let at = c.indexOf('\n\n'); at >= 0; at = c.indexOf('\n\n', at + 2)) traffic.streamEvents++;
        });
        res.on('error', () => undefined);
      },
    );
    req.on('error', () => undefined);
    req.end();
    streams.add(req);
    return req;
  };

  const start = performance.now();
  const end = start + s.minutes * 60_000;
  let n = 0;
  let singles = 0;
  let tick = 0;
  const consoleTicks = Math.max(1, Math.round((s.consoleEvery * 1000) / TICK_MS));
  openStream();
  while (performance.now() < end) {
    const elapsed = performance.now() - start;
    const due = Math.floor((elapsed / 1000) * s.rate);
    for (; singles < due; singles++) {
      if (inFlight >= MAX_IN_FLIGHT) {
        traffic.shed++;
        continue;
      }
      // One in ten repeats an alert sent a moment ago: same fingerprint, counted, not stored again.
      if (singles % 10 === 9 && n > 3) void ingest(eveBody(n - 3), 'single');
      else void ingest(eveBody(n++), 'single');
    }
    const ticksPerSecond = 1000 / TICK_MS;
    if (tick % ticksPerSecond === 0 && s.bulkRate >= 1) {
      const size = Math.round(s.bulkRate);
      const bodies = Array.from({ length: size }, () => eveBody(n++));
      void ingest(`[${bodies.join(',')}]`, 'bulk');
    }
    if (tick % consoleTicks === 5 % consoleTicks) void consoleLook(admin);
    if (tick % (ticksPerSecond * 5) === 7) {
      // A second live stream, opened and dropped: what a browser tab closing does.
      const transient = openStream();
      setTimeout(() => {
        transient.destroy();
        streams.delete(transient);
      }, 1_000);
    }
    tick++;
    await new Promise((r) => setTimeout(r, Math.max(0, start + tick * TICK_MS - performance.now())));
  }
  await Promise.all(pending);
  for (const stream of streams) stream.destroy();
  agent.destroy();
  return traffic;
}

let consoleRound = 0;
/** One look at the console: lists, a case's detail and timeline, and now and then a comment and the dashboard. */
async function consoleLook(
  admin: (kind: string, path: string, method?: string, body?: string) => Promise<string>,
) {
  const round = consoleRound++;
  const cases = await admin('console', '/api/v1/cases?status=open&limit=25');
  await admin('console', '/api/v1/alerts?limit=25');
  const first = cases ? (JSON.parse(cases) as { items: { id: string }[] }).items[0] : undefined;
  if (first) {
    await admin('console', `/api/v1/cases/${first.id}`);
    await admin('console', `/api/v1/cases/${first.id}/timeline`);
    if (round % 10 === 0)
      await admin(
        'comment',
        `/api/v1/cases/${first.id}/comments`,
        'POST',
        JSON.stringify({ body: `soak ${round}` }),
      );
  }
  if (round % 10 === 5) await admin('console', '/api/v1/dashboard');
}

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const mean = (f: (p: { x: number; y: number }) => number) =>
    points.reduce((a, p) => a + f(p), 0) / points.length;
  const mx = mean((p) => p.x);
  const my = mean((p) => p.y);
  const num = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

function trend(
  samples: Sample[],
  field: 'heapUsedMB' | 'rssMB' | 'rssAnonMB' | 'rssFileMB',
  minutes: number,
) {
  const perMinute = slope(samples.map((x) => ({ x: x.seconds / 60, y: x[field] })));
  const first = samples[0]![field];
  const trendMB = perMinute * minutes;
  return {
    atWindowStartMB: first,
    atEndMB: samples.at(-1)![field],
    minMB: Math.min(...samples.map((x) => x[field])),
    maxMB: Math.max(...samples.map((x) => x[field])),
    slopeMBPerMinute: Math.round(perMinute * 1000) / 1000,
    // The trend line's rise across the window, as a share of where the window started.
    trendShare: Math.round((trendMB / first) * 1000) / 1000,
  };
}

function report(s: Settings, samples: Sample[], last: Sample, traffic: Traffic, dialect: string) {
  const warmupSeconds = s.warmupMinutes * 60;
  const measured = samples.filter((x) => x.seconds >= warmupSeconds);
  if (measured.length < 3)
    throw new Error(`only ${measured.length} samples after the warm-up; sample more often`);
  const windowMinutes = (measured.at(-1)!.seconds - measured[0]!.seconds) / 60;
  const heap = trend(measured, 'heapUsedMB', windowMinutes);
  const rssAnon = trend(measured, 'rssAnonMB', windowMinutes);
  const rssFile = trend(measured, 'rssFileMB', windowMinutes);
  const storedNew = last.alerts;
  return {
    scenario: 'soak',
    database: dialect,
    node: process.version,
    cpus: cpus().length,
    minutes: s.minutes,
    warmupMinutes: s.warmupMinutes,
    offered: {
      singleAlertsPerSecond: s.rate,
      bulkAlertsPerSecond: s.bulkRate,
      consoleLookEverySeconds: s.consoleEvery,
      builtinPlaybooks: s.builtinPlaybooks,
    },
    requests: {
      sent: traffic.sent,
      failed: traffic.failed,
      shed: traffic.shed,
      byKind: traffic.byKind,
      ...(traffic.firstFailure === undefined ? {} : { firstFailure: traffic.firstFailure }),
    },
    alerts: { accepted: traffic.acceptedAlerts, duplicates: traffic.duplicates, stored: storedNew },
    runs: { succeeded: last.runsSucceeded, stillOpen: last.runsOpen },
    liveStreamEvents: traffic.streamEvents,
    heap,
    rssAnon,
    rssFile,
    final: {
      heapUsedMB: last.heapUsedMB,
      rssMB: last.rssMB,
      rssAnonMB: last.rssAnonMB,
      rssFileMB: last.rssFileMB,
    },
    sampleColumns: ['seconds', 'heapUsedMB', 'rssAnonMB', 'rssFileMB', 'alerts', 'runsSucceeded'],
    // One line per sample in the printed JSON.
    samples: samples.map((x) =>
      [x.seconds, x.heapUsedMB, x.rssAnonMB, x.rssFileMB, x.alerts, x.runsSucceeded].join(' '),
    ),
    goals: GOALS,
    // A run that failed requests, shed load or lost an alert did not soak what it claims to.
    valid:
      traffic.failed === 0 &&
      traffic.shed === 0 &&
      storedNew === traffic.acceptedAlerts &&
      last.runsOpen === 0,
    met: { heapFlat: heap.trendShare <= GOALS.heapShare, anonFlat: rssAnon.trendShare <= GOALS.anonShare },
  };
}
