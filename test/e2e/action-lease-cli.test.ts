import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import {
  createTestDatabase,
  databaseKinds,
  processEnv,
  type TestDatabase,
} from '../support/test-databases.ts';

const BIN = new URL('../../bin/riposte.js', import.meta.url).pathname;

/** A `riposte` process as a user starts it, with what it has written to stderr so far. */
interface Started {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

function start(args: string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

async function until(p: Started, pattern: RegExp, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pattern.test(p.stderr())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr: ${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Without Redis one process carries out a database's actions (src/runs/action-lease.ts), because a
 * worker that starts re-issues every unfinished run's in-flight attempts. Real processes, as a user
 * would start them by mistake: a second `serve` refuses to start, a second `worker` stands by and
 * takes over when the first stops, and a crashed holder does not block its restart.
 */
for (const kind of databaseKinds()) {
  describe(`one process carries out the actions without Redis, on ${kind}`, () => {
    let db: TestDatabase;
    let env: NodeJS.ProcessEnv;
    const running: Started[] = [];
    const run = (args: string[]) => {
      const p = start(args, env);
      running.push(p);
      return p;
    };

    before(async () => {
      db = await createTestDatabase(kind);
      env = processEnv(db, { RIPOSTE_LOG_LEVEL: 'warn', RIPOSTE_BUILTIN_PLAYBOOKS: 'false' });
      delete env.RIPOSTE_REDIS_URL;
    });
    after(async () => {
      for (const p of running) p.child.kill('SIGKILL');
      await Promise.all(running.map((p) => p.exited));
      await db.drop();
    });

    it('refuses a second server, stands a second worker by, and hands over on stop and on crash', async () => {
      const first = run(['worker']);
      await until(first, /riposte worker running/, 'the first worker');

      const second = run(['serve', '--port', '0']);
      assert.equal(await second.exited, 1, second.stderr());
      assert.match(
        second.stderr(),
        new RegExp(
          `another Riposte process \\(pid ${first.child.pid} on \\S+, since [0-9T:.Z-]+\\) carries out this database's playbook actions.*RIPOSTE_REDIS_URL`,
        ),
      );
      assert.doesNotMatch(second.stderr(), /listening on/);

      const standby = run(['worker']);
      await until(standby, new RegExp(`standing by: pid ${first.child.pid} `), 'the standby');
      assert.doesNotMatch(standby.stderr(), /riposte worker running/);

      // A clean stop gives the lease up: the standby takes over within a poll (5 s), not a lease (30 s).
      const stoppedAt = Date.now();
      first.child.kill('SIGTERM');
      assert.equal(await first.exited, 0, first.stderr());
      await until(standby, /riposte worker running/, 'the standby taking over', 10_000);
      assert.ok(Date.now() - stoppedAt < 10_000);

      // The holder crashes: a server restarted on the same host takes the lease at once.
      standby.child.kill('SIGKILL');
      await standby.exited;
      const restarted = run(['serve', '--port', '0']);
      await until(restarted, /listening on/, 'the restarted server', 20_000);
      restarted.child.kill('SIGTERM');
      assert.equal(await restarted.exited, 0, restarted.stderr());
    });

    it('lets an API process run beside the one worker', async () => {
      const worker = run(['worker']);
      await until(worker, /riposte worker running/, 'the worker');
      const api = run(['serve', '--port', '0', '--role', 'api']);
      await until(api, /listening on .*role: api/, 'the API process');
      api.child.kill('SIGTERM');
      worker.child.kill('SIGTERM');
      assert.equal(await api.exited, 0, api.stderr());
      assert.equal(await worker.exited, 0, worker.stderr());
    });
  });
}
