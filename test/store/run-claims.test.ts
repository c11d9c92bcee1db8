import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { openRiposte, type Riposte } from '../../src/riposte.ts';
import { queuedRunRow } from '../../src/runs/run-commands.ts';
import type { RunEngine } from '../../src/runs/run-engine.ts';
import { RunWorker } from '../../src/runs/run-worker.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/test-databases.ts';

const ACTOR = { id: 't', type: 'system' as const };
const RUNS = 300;

/** What a worker asked its engine to do: the runs whose timers it fired, the queued runs it started. */
function recordingEngine() {
  const fired: string[] = [];
  const started: string[] = [];
  const engine = {
    deliver: async (id: string) => void fired.push(id),
    start: async (ids: string[]) => void started.push(...ids),
    resume: async () => undefined,
    forget: () => undefined,
    reissue: async () => undefined,
  };
  return { engine: engine as unknown as RunEngine, fired, started };
}

/**
 * Of several workers on one database (several `riposte worker` processes), each due timer fires in one
 * and each queued run starts in one: both are claimed with a conditional update before the work. Two
 * Riposte instances are two connections (two processes' worth: on SQLite two file handles, on
 * PostgreSQL two pools); their own workers are not started — the workers under test are.
 */
for (const kind of databaseKinds()) {
  describe(`run claims between workers on ${kind}`, () => {
    let db: TestDatabase;
    let a: Riposte;
    let b: Riposte;
    const workerOn = (riposte: Riposte) => {
      const recorded = recordingEngine();
      const worker = new RunWorker({
        db: riposte.database.db,
        engine: recorded.engine,
        // The claims under test touch only the runs table; tasks and schedules are empty here.
        tasks: undefined as never,
        playbooks: undefined as never,
        links: undefined as never,
        linkTtlSeconds: 60,
        notify: async () => undefined,
        onError: (error) => assert.fail(error as Error),
      });
      return { worker, ...recorded };
    };
    const insertRuns = async (status: 'queued' | 'waiting', at: Date) => {
      const ids = Array.from({ length: RUNS }, (_, i) => `run_${status}_${String(i).padStart(4, '0')}`);
      const iso = at.toISOString();
      const rows = ids.map((id) => ({
        ...queuedRunRow(
          {
            id,
            playbook_id: 'claimed',
            alert_id: null,
            case_id: null,
            parent_run_id: null,
            parent_step_key: null,
            started_by: 't',
            dry_run: 0,
          },
          'claimed',
          { kind: 'manual', by: 't' },
          { queued: true, inputs: {} },
          iso,
          1,
        ),
        status,
        wake_at: status === 'waiting' ? iso : null,
      }));
      for (let i = 0; i < rows.length; i += 100)
        await a.database.db
          .insertInto('runs')
          .values(rows.slice(i, i + 100))
          .execute();
      return ids;
    };
    const exactlyOnce = (ids: string[], x: string[], y: string[]) => {
      assert.equal(new Set(x).size, x.length, 'a worker took a run twice');
      assert.equal(new Set(y).size, y.length, 'a worker took a run twice');
      const both = x.filter((id) => new Set(y).has(id));
      assert.deepEqual(both, [], 'both workers took these');
      assert.deepEqual([...x, ...y].sort(), ids);
    };

    before(async () => {
      db = await createTestDatabase(kind);
      const config = () =>
        loadConfig(
          {},
          { dataDir: db.dataDir, databaseUrl: db.url, logLevel: 'silent', builtinPlaybooks: false },
        );
      a = await openRiposte(config());
      await a.playbooks.save(
        'id: claimed\nname: Claimed\ntriggers: { manual: true }\nsteps:\n  - id: one\n    uses: core.echo\n',
        ACTOR,
      );
      // Opened after the save: on SQLite, two connections in one process would wait on each other's
      // write lock with the event loop blocked (separate processes do not).
      b = await openRiposte(config(), { migrate: false });
    });
    after(async () => {
      await a?.close();
      await b?.close();
      await db.drop();
    });

    it('fires each due timer in one worker, and not again while its lease lasts', async () => {
      const ids = await insertRuns('waiting', new Date(Date.now() - 5_000));
      const one = workerOn(a);
      const two = workerOn(b);
      await Promise.all([one.worker.tick(true), two.worker.tick(true), one.worker.tick(), two.worker.tick()]);
      exactlyOnce(ids, one.fired, two.fired);
      // The claim moved each timer a lease ahead: a worker that died before firing it is covered later.
      const leased = await a.database.db
        .selectFrom('runs')
        .select('wake_at')
        .where('id', 'in', ids)
        .execute();
      for (const row of leased) assert.ok(Date.parse(row.wake_at!) > Date.now() + 20_000, row.wake_at!);
      await Promise.all([one.worker.tick(true), two.worker.tick(true)]);
      assert.equal(one.fired.length + two.fired.length, RUNS, 'a leased timer fired again');
    });

    it('starts each queued run in one worker; a run whose claimer died is taken up a second later', async () => {
      const ids = await insertRuns('queued', new Date(Date.now() - 5_000));
      const one = workerOn(a);
      const two = workerOn(b);
      await Promise.all([one.worker.tick(true), two.worker.tick(true)]);
      exactlyOnce(ids, one.started, two.started);
      // Just claimed: not offered again at once.
      await two.worker.tick(true);
      assert.equal(one.started.length + two.started.length, RUNS);
      // Worker one "died" with its claims (its engine never started them): after a second they are
      // stale again, and worker two starts them.
      const orphaned = [...one.started];
      await new Promise((r) => setTimeout(r, 1_100));
      const before = two.started.length;
      await two.worker.tick(true);
      const retaken = new Set(two.started.slice(before));
      for (const id of orphaned) assert.ok(retaken.has(id), `${id} was not taken up again`);
    });
  });
}
