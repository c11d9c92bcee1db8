import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { ActionLease, type LeaseHolder } from '../../src/runs/action-lease.ts';
import { DatabaseClock } from '../../src/store/database-clock.ts';
import { databaseKinds, useMigratedDatabase } from '../support/test-databases.ts';

const realNow = Date.now.bind(Date);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `done` holds or five seconds pass (a loaded machine delays the renewal timer). */
async function eventually(done: () => boolean | Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 5_000; Date.now() < deadline && !(await done());) await wait(20);
}

/** The pid of a process that has exited (and been reaped): nothing answers to it now. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

for (const kind of databaseKinds()) {
  describe(`the action lease on ${kind}`, () => {
    const suite = useMigratedDatabase(kind);
    const lost: (LeaseHolder | null)[] = [];
    const lease = (leaseMs = 30_000) =>
      new ActionLease({
        db: suite.database.db,
        clock: new DatabaseClock(suite.database.db, suite.database.dialect),
        leaseMs,
        onLost: (holder) => lost.push(holder),
        onError: (error) => assert.fail(error as Error),
      });
    /** A row as another process would have written it. */
    const plant = async (row: { holder: string; host: string; pid: number; expiresInMs: number }) => {
      await suite.database.db.deleteFrom('worker_leases').execute();
      await suite.database.db
        .insertInto('worker_leases')
        .values({
          name: 'actions',
          holder: row.holder,
          host: row.host,
          pid: row.pid,
          acquired_at: new Date(realNow() - 60_000).toISOString(),
          expires_at: new Date(realNow() + row.expiresInMs).toISOString(),
        })
        .execute();
    };

    it('is held by one at a time; the other hears who holds it, and takes it once released', async () => {
      const a = lease();
      const b = lease();
      assert.equal(await a.tryAcquire(), null);
      const holder = await b.tryAcquire();
      assert.equal(holder?.holder, a.id);
      assert.equal(holder?.pid, process.pid);
      assert.equal(holder?.host, hostname());
      // Asking again while holding it keeps it.
      assert.equal(await a.tryAcquire(), null);
      await a.release();
      assert.equal(await b.tryAcquire(), null);
      assert.equal((await a.tryAcquire())?.holder, b.id);
      await b.release();
    });

    it('is not taken from a live holder on another host until it expires', async () => {
      await plant({ holder: 'lease_far', host: 'elsewhere.example', pid: 4242, expiresInMs: 10_000 });
      const mine = lease();
      assert.equal((await mine.tryAcquire())?.holder, 'lease_far');
      await plant({ holder: 'lease_far', host: 'elsewhere.example', pid: 4242, expiresInMs: -1 });
      assert.equal(await mine.tryAcquire(), null);
      await mine.release();
    });

    it("keeps to the database's clock, not a process's that is off", async () => {
      const TEN_MINUTES = 600_000;
      /** Runs `body` with this process's clock `skewMs` off; the database's stays right. */
      const skewed = async <T>(skewMs: number, body: () => Promise<T>): Promise<T> => {
        Date.now = () => realNow() + skewMs;
        try {
          return await body();
        } finally {
          Date.now = realNow;
        }
      };
      await skewed(TEN_MINUTES, async () => {
        const clock = new DatabaseClock(suite.database.db, suite.database.dialect);
        const offset = await clock.sync();
        assert.ok(Math.abs(offset + TEN_MINUTES) < 1_000, `offset ${offset} ms`);
        assert.ok(Math.abs(clock.now() - realNow()) < 1_000);
      });
      // Ten minutes fast: a live holder's lease has not lapsed for all that.
      await plant({ holder: 'lease_far', host: 'elsewhere.example', pid: 4242, expiresInMs: 10_000 });
      const fast = lease();
      const heard = await skewed(TEN_MINUTES, () => fast.tryAcquire());
      assert.equal(heard?.holder, 'lease_far', 'a fast clock took a live lease');
      // Ten minutes slow: a lapsed one has lapsed.
      await plant({ holder: 'lease_far', host: 'elsewhere.example', pid: 4242, expiresInMs: -1 });
      const slow = lease();
      assert.equal(
        await skewed(-TEN_MINUTES, () => slow.tryAcquire()),
        null,
        'a slow clock waited on a lapsed lease',
      );
      // What the slow one wrote is in the database's time: others see it lapse 30 s from now.
      const row = await suite.database.db
        .selectFrom('worker_leases')
        .select('expires_at')
        .executeTakeFirstOrThrow();
      const left = Date.parse(row.expires_at) - realNow();
      assert.ok(left > 25_000 && left <= 31_000, `expires in ${left} ms`);
      await slow.release();
    });

    it('is taken at once from a process on this host that is gone, or from an earlier life of this process', async () => {
      await plant({ holder: 'lease_crashed', host: hostname(), pid: deadPid(), expiresInMs: 25_000 });
      const mine = lease();
      assert.equal(await mine.tryAcquire(), null, 'a dead holder on this host kept the lease');
      await mine.release();
      // Same pid, an id no live lease of this process has: the process before a restart in a container.
      await plant({ holder: 'lease_before', host: hostname(), pid: process.pid, expiresInMs: 25_000 });
      const again = lease();
      assert.equal(await again.tryAcquire(), null);
      await again.release();
    });

    it('is renewed while held, and its holder hears when another took it', async () => {
      const held = lease(300);
      assert.equal(await held.tryAcquire(), null);
      const first = await suite.database.db
        .selectFrom('worker_leases')
        .select('expires_at')
        .executeTakeFirstOrThrow();
      const expiresAt = async () =>
        (await suite.database.db.selectFrom('worker_leases').select('expires_at').executeTakeFirstOrThrow())
          .expires_at;
      await eventually(async () => (await expiresAt()) > first.expires_at);
      assert.ok((await expiresAt()) > first.expires_at, 'not renewed');
      // Another process took it (this one stalled past its expiry): the next renewal finds out.
      lost.length = 0;
      await suite.database.db.updateTable('worker_leases').set({ holder: 'lease_thief', pid: 1 }).execute();
      await eventually(() => lost.length > 0);
      assert.equal(lost.length, 1);
      assert.equal(lost[0]?.holder, 'lease_thief');
      // Releasing a lost lease leaves the new holder's row alone.
      await held.release();
      const row = await suite.database.db
        .selectFrom('worker_leases')
        .select('holder')
        .executeTakeFirstOrThrow();
      assert.equal(row.holder, 'lease_thief');
      await suite.database.db.deleteFrom('worker_leases').execute();
    });

    it('waits for the holder to release it, or until the wait is aborted', async () => {
      const a = lease(300);
      const b = lease(300);
      assert.equal(await a.tryAcquire(), null);
      const heard: string[] = [];
      const waiting = b.acquire((h) => heard.push(h.holder));
      await eventually(() => heard.length > 0);
      await a.release();
      assert.equal(await waiting, true);
      assert.deepEqual(heard, [a.id]);
      const aborts = new AbortController();
      const c = lease(300);
      const given = c.acquire(() => aborts.abort(), aborts.signal);
      assert.equal(await given, false);
      assert.equal((await c.tryAcquire())?.holder, b.id);
      await b.release();
    });
  });
}
