import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startServe, type ServeProcess } from '../support/serve-process.ts';
import {
  createTestDatabase,
  databaseKinds,
  processEnv,
  type TestDatabase,
} from '../support/test-databases.ts';
import { dropRedisPrefix, testRedisPrefix, testRedisUrl } from '../support/test-redis.ts';

const BIN = new URL('../../bin/riposte.js', import.meta.url).pathname;
const url = testRedisUrl();
/** The scale-out database when the suite has it (PostgreSQL), else SQLite. */
const kind = databaseKinds().includes('postgres') ? 'postgres' : 'sqlite';

/**
 * Two `riposte serve --role api` processes on one database and one Redis, as behind a load balancer
 * (README "Scale-out"): a source's alert limit, the API's rate limit and the login throttle hold for
 * the two together, not for each — requests alternate between the processes and the limits count
 * them all.
 */
describe(`limits shared by two API processes through Redis (${kind})`, { skip: !url }, () => {
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const prefix = testRedisPrefix();
  const servers: ServeProcess[] = [];
  let sourceToken = '';
  let apiToken = '';

  const cli = (args: string[], input?: string) => {
    const done = spawnSync(process.execPath, [BIN, ...args], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
      ...(input === undefined ? {} : { input }),
    });
    assert.equal(done.status, 0, done.stderr);
    return done.stdout.trim();
  };

  before(async () => {
    db = await createTestDatabase(kind);
    env = processEnv(db, {
      RIPOSTE_LOG_LEVEL: 'warn',
      RIPOSTE_REDIS_URL: url!,
      RIPOSTE_REDIS_PREFIX: prefix,
      RIPOSTE_RATE_LIMIT: '30',
    });
    sourceToken = cli(['source', 'create', '--name', 'ids', '--format', 'suricata', '--alert-limit', '100']);
    apiToken = cli(['token', 'create', '--name', 'robot', '--role', 'analyst']);
    cli(['user', 'create', '--username', 'vera', '--role', 'viewer'], 'a long enough password\n');
    servers.push(...(await Promise.all([0, 1].map(() => startServe(env, 30_000, ['--role', 'api'])))));
  });
  after(async () => {
    for (const { child } of servers) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await db?.drop();
    await dropRedisPrefix(url!, prefix);
  });

  /** Each request goes to the other process than the one before. */
  let turn = 0;
  const next = () => servers[turn++ % 2]!.base;

  it('holds a source to its alert limit across both processes, and each counts what it refused', async () => {
    let sid = 7_000_000;
    const post = (count: number) =>
      fetch(`${next()}/api/v1/sources/ids/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sourceToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(Array.from({ length: count }, () => eveAlert({ sid: sid++ }))),
      });
    // Forty alerts to each process, then twenty more to the first: a minute's 100 are spent.
    for (const count of [40, 40, 20]) assert.equal((await post(count)).status, 202);
    const refused = await post(5);
    assert.equal(refused.status, 429);
    const problem = (await refused.json()) as { code: string; detail: string };
    assert.equal(problem.code, 'source_rate_limited');
    assert.match(
      problem.detail,
      /^source ids may send 100 alerts a minute and has sent them; nothing of these 5 was stored — try again in [1-3] s$/,
    );
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    // Refused by the second process: its /metrics counts it, the first's does not.
    const metrics = await Promise.all(servers.map(async (s) => (await fetch(`${s.base}/metrics`)).text()));
    assert.match(metrics[1]!, /^riposte_source_limited_alerts_total\{source="ids"\} 5$/m);
    assert.doesNotMatch(metrics[0]!, /^riposte_source_limited_alerts_total\{source="ids"\}/m);
    for (const text of metrics) {
      assert.match(text, /^riposte_shared_limits_connected 1$/m);
      assert.match(text, /^riposte_shared_limits_fallbacks_total 0$/m);
    }
  });

  it('holds a token to the API rate limit across both processes', async () => {
    const statuses: number[] = [];
    const remaining: string[] = [];
    for (let i = 0; i < 32; i++) {
      const res = await fetch(`${next()}/api/v1/cases`, { headers: { authorization: `Bearer ${apiToken}` } });
      statuses.push(res.status);
      remaining.push(res.headers.get('ratelimit-remaining') ?? '');
      await res.arrayBuffer();
    }
    // Thirty a minute for both together (a request or so refills while they run), then 429.
    const allowed = statuses.filter((s) => s === 200).length;
    assert.ok(allowed >= 30 && allowed <= 31, statuses.join(' '));
    assert.equal(statuses.at(-1), 429, statuses.join(' '));
    // The remaining budget counts down across the processes, not per process.
    assert.deepEqual(remaining.slice(0, 4), ['29', '28', '27', '26']);
  });

  it('refuses the eleventh failed login for a person, whichever process the guesses reach', async () => {
    const login = (password: string) =>
      fetch(`${next()}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'vera', password }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await login(`guess ${i}`)).status);
    assert.deepEqual(statuses, [...Array<number>(10).fill(401), 429, 429]);
    // The right password is refused too until the window passes: the throttle is on the username.
    assert.equal((await login('a long enough password')).status, 429);
  });
});
