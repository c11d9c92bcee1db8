import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startServe } from '../support/serve-process.ts';

const BIN = new URL('../../bin/riposte.js', import.meta.url).pathname;

/** `riposte serve` as a user runs it: a real process on a real port, stopped with SIGTERM. */
describe('riposte serve', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'riposte-serve-'));
  const env: NodeJS.ProcessEnv = { ...process.env, RIPOSTE_DATA_DIR: dataDir, RIPOSTE_LOG_LEVEL: 'warn' };
  delete env.RIPOSTE_DATABASE_URL;
  delete env.RIPOSTE_MASTER_KEY;
  let server: ChildProcess;
  let base = '';
  let stderr: () => string = () => '';
  let sourceToken = '';

  before(async () => {
    sourceToken = spawnSync(
      process.execPath,
      [BIN, 'source', 'create', '--name', 'lab', '--format', 'suricata'],
      { env, encoding: 'utf8' },
    ).stdout.trim();
    const served = await startServe(env, 20_000);
    server = served.child;
    base = served.base;
    stderr = served.stderr;
  });
  after(() => {
    server.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers /healthz, /metrics, /docs and the OpenAPI document', async () => {
    const health = await fetch(`${base}/healthz`);
    assert.deepEqual(await health.json(), { status: 'ok', version: '0.1.0', database: 'sqlite' });
    const openapi = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    assert.equal(openapi.openapi, '3.1.0');
    assert.ok(openapi.paths['/api/v1/sources/{name}/alerts']);
    assert.ok(openapi.paths['/api/v1/cases/{id}']);
    const docs = await fetch(`${base}/docs`);
    assert.match(await docs.text(), /<code>\/api\/v1\/cases\/\{id\}<\/code>/);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /riposte_http_request_duration_seconds_bucket/);
  });

  it('creates the first admin once, prints its password and the console address, and the console logs it in', async () => {
    await waitFor(() => /password\n {2}(\S+)/.test(stderr()));
    const password = /password\n {2}(\S+)/.exec(stderr())![1]!;
    assert.match(stderr(), /console: http:\/\/127\.0\.0\.1:\d+\/ui\//);
    const page = await fetch(`${base}/ui/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="root">/);
    const login = await fetch(`${base}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    assert.equal(login.status, 200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const me = (await (await fetch(`${base}/api/v1/session`, { headers: { cookie } })).json()) as {
      principal: { role: string };
    };
    assert.equal(me.principal.role, 'admin');
  });

  it('ingests over real HTTP and counts it in /metrics', async () => {
    const res = await fetch(`${base}/api/v1/sources/lab/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sourceToken}`, 'content-type': 'application/json' },
      body: JSON.stringify([eveAlert({ sid: 1 }), eveAlert({ sid: 2 })]),
    });
    assert.equal(res.status, 202);
    assert.equal(((await res.json()) as { accepted: number }).accepted, 2);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /riposte_alerts_ingested_total\{source="lab"\} 2/);
  });

  it('takes CLI writes beside the running server: both wait for the write lock, neither fails', async () => {
    const posts = Array.from({ length: 40 }, (_, i) =>
      fetch(`${base}/api/v1/sources/lab/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sourceToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(
          Array.from({ length: 50 }, (_, j) =>
            eveAlert({ sid: 20_000 + i * 50 + j, srcIp: `10.60.${i}.${j + 1}` }),
          ),
        ),
      }),
    );
    const cli = await Promise.all(
      Array.from(
        { length: 3 },
        (_, i) =>
          new Promise<number | null>((resolve) =>
            spawn(process.execPath, [BIN, 'token', 'create', '--name', `beside-${i}`, '--role', 'viewer'], {
              env,
              stdio: 'ignore',
            }).on('exit', resolve),
          ),
      ),
    );
    assert.deepEqual(cli, [0, 0, 0]);
    const statuses = await Promise.all(posts.map(async (p) => (await p).status));
    assert.deepEqual([...new Set(statuses)], [202]);
  });

  it('counts repeats across the server and `riposte ingest` beside it, both ways', async () => {
    const alerts = Array.from({ length: 5 }, (_, i) =>
      eveAlert({ sid: 30_000 + i, srcIp: `10.61.0.${i + 1}` }),
    );
    const post = async () => {
      const res = await fetch(`${base}/api/v1/sources/lab/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sourceToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      assert.equal(res.status, 202);
      const { accepted, duplicates } = (await res.json()) as { accepted: number; duplicates: number };
      return { accepted, duplicates };
    };
    // Stored by the server, which keeps them in its recent dedup tier (src/ingest/dedup-index.ts).
    assert.deepEqual(await post(), { accepted: 5, duplicates: 0 });

    const file = path.join(dataDir, 'repeats.ndjson');
    writeFileSync(file, alerts.map((a) => JSON.stringify(a)).join('\n'));
    const cli = spawnSync(process.execPath, [BIN, 'ingest', file, '--source', 'lab'], {
      env,
      encoding: 'utf8',
    });
    assert.equal(cli.status, 0, cli.stderr);
    const { accepted, duplicates } = JSON.parse(cli.stdout) as { accepted: number; duplicates: number };
    assert.deepEqual(
      { accepted, duplicates },
      { accepted: 0, duplicates: 5 },
      "the CLI finds the server's alerts",
    );

    // And the server, whose memory the CLI's commit made stale, still counts them.
    assert.deepEqual(await post(), { accepted: 0, duplicates: 5 });
  });

  it('on SIGTERM finishes the requests in flight, then exits 0', async () => {
    const body = JSON.stringify(
      Array.from({ length: 500 }, (_, i) => eveAlert({ sid: 1000 + i, srcIp: `10.50.${i >> 8}.${i & 255}` })),
    );
    const inflight = Array.from({ length: 8 }, (_, i) =>
      fetch(`${base}/api/v1/sources/lab/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sourceToken}`, 'content-type': 'application/json' },
        body: i === 0 ? body : JSON.stringify(eveAlert({ sid: 5000 + i })),
      }),
    );
    await new Promise((r) => setTimeout(r, 5));
    const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
    server.kill('SIGTERM');
    const answers = await Promise.allSettled(inflight);
    for (const answer of answers) {
      // A request either got in before the shutdown and was committed (202), or was refused whole.
      if (answer.status === 'fulfilled')
        assert.ok([202, 503].includes(answer.value.status), String(answer.value.status));
    }
    assert.equal(await exited, 0);
    assert.match(stderr(), /SIGTERM, finishing in-flight requests/);
    const accepted = answers.filter((a) => a.status === 'fulfilled' && a.value.status === 202).length;
    const verify = spawnSync(process.execPath, [BIN, 'audit', 'verify'], { env, encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stderr);
    // Every 202 is backed by its audit row: 1 earlier request + the accepted ones now.
    const rows = JSON.parse(verify.stdout).checked as number;
    assert.ok(rows >= 2 + accepted, `${rows} audit rows for ${accepted} accepted requests`);
  });
});

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A stop signal that arrives while `serve`, `worker` or `demo` is still starting (a worker recovering
 * queued runs) is kept: the command closes once started instead of being killed mid-start.
 */
describe('the stop signal of the long-running commands', () => {
  it('is kept when it arrives before the command waits for it', () => {
    const module = new URL('../../src/cli/commands/serve-command.ts', import.meta.url).href;
    const script = `
      import { watchStopSignal } from ${JSON.stringify(module)};
      const stop = watchStopSignal({ stderr: (t) => process.stderr.write(t) });
      process.kill(process.pid, 'SIGTERM'); // during start-up
      await new Promise((r) => setTimeout(r, 100)); // the rest of start-up
      await stop.received();
      process.stdout.write('closed after start-up');
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(child.signal, null, 'not killed by the signal');
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout, 'closed after start-up');
    assert.match(child.stderr, /riposte: SIGTERM, finishing in-flight requests and work/);
  });
});
