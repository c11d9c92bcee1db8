import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { newId } from '../../src/core/ids.ts';
import { openRiposte } from '../../src/riposte.ts';
import { queuedRunRow } from '../../src/runs/run-commands.ts';
import { CRASH_PLAYBOOK, EFFECTS_PER_RUN, crashEffectAction } from '../support/crash-effect.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.ts';

const RUNS = 300;
const KILLS = 8;
const DEADLINE_MS = 90_000;

/**
 * DESIGN §5: kill -9 the process at any moment; every run resumes and no effect is applied twice.
 * The target applies each idempotency key once (as an API honouring Idempotency-Key does) and counts
 * replays; the test checks that every run finished and that each (run, step) was applied under
 * exactly one key.
 */
describe('engine crash test', () => {
  let db: TestDatabase;
  let target: Server;
  let targetUrl: string;
  const applied = new Map<string, string>();
  let replays = 0;

  before(async () => {
    target = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const key = String(request.headers['idempotency-key']);
        const { run, step } = JSON.parse(Buffer.concat(chunks).toString()) as { run: string; step: string };
        if (applied.has(key)) replays++;
        else applied.set(key, `${run}/${step}`);
        // A little latency, as a real target has, so that kills land while effects are in flight.
        setTimeout(
          () =>
            response
              .writeHead(200, { 'content-type': 'application/json' })
              .end(JSON.stringify({ applied: key })),
          1 + Math.random() * 4,
        );
      });
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    db = await createTestDatabase('sqlite');
    const riposte = await openRiposte(
      loadConfig({}, { dataDir: db.dataDir, databaseUrl: db.url, logLevel: 'silent' }),
    );
    riposte.actions.register(crashEffectAction(targetUrl));
    const saved = await riposte.playbooks.save(CRASH_PLAYBOOK, { id: 'test', type: 'system' });
    const now = new Date().toISOString();
    const rows = Array.from({ length: RUNS }, () =>
      queuedRunRow(
        {
          id: newId('run_'),
          playbook_id: 'crash_chain',
          alert_id: null,
          case_id: null,
          parent_run_id: null,
          parent_step_key: null,
          started_by: 'test',
          dry_run: 0,
        },
        'crash_chain',
        { kind: 'manual', by: 'test' },
        { queued: true, inputs: {} },
        now,
        saved.playbook.version,
      ),
    );
    await riposte.database.db.insertInto('runs').values(rows).execute();
    await riposte.close();
  });
  after(async () => {
    target.close();
    await db.drop();
  });

  const spawnChild = (): ChildProcess =>
    spawn(process.execPath, ['test/support/crash-child.ts', db.dataDir, targetUrl], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });

  it('every run finishes and no effect is applied twice, across SIGKILLs at random moments', async () => {
    const deadline = Date.now() + DEADLINE_MS;
    let stderr = '';
    let midFlight = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const child = spawnChild();
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // Wait until this process is applying effects, then kill it at a random moment of its work.
      const before = applied.size + replays;
      while (applied.size + replays === before && Date.now() < deadline && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, Math.random() * 150));
      if (applied.size < RUNS * EFFECTS_PER_RUN) midFlight++;
      child.kill('SIGKILL');
      await exited;
      assert.ok(Date.now() < deadline, 'the crash loop ran out of time');
    }
    assert.ok(midFlight >= KILLS / 2, `only ${midFlight} of ${KILLS} kills landed while work was left`);
    const last = spawnChild();
    last.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => last.kill('SIGKILL'), Math.max(1000, deadline - Date.now()));
      last.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.equal(code, 0, `the last worker did not finish every run: ${stderr.slice(-2000)}`);

    const riposte = await openRiposte(
      loadConfig({}, { dataDir: db.dataDir, databaseUrl: db.url, logLevel: 'silent' }),
      { migrate: false },
    );
    try {
      const runs = await riposte.database.db.selectFrom('runs').select(['id', 'status']).execute();
      assert.equal(runs.length, RUNS);
      assert.deepEqual(
        runs.filter((r) => r.status !== 'succeeded'),
        [],
        'every run succeeded',
      );
    } finally {
      await riposte.close();
    }
    const perStep = new Map<string, number>();
    for (const step of applied.values()) perStep.set(step, (perStep.get(step) ?? 0) + 1);
    const twice = [...perStep].filter(([, n]) => n > 1);
    assert.deepEqual(twice, [], 'a (run, step) was applied under two keys');
    assert.equal(perStep.size, RUNS * EFFECTS_PER_RUN, 'every effect was applied');
    // Replays are expected (an effect applied just before a kill is repeated with its key); report them.
    process.stdout.write(
      `# crash test: ${KILLS} kills (${midFlight} mid-flight), ${applied.size} effects, ${replays} replays deduplicated by key\n`,
    );
  });
});
