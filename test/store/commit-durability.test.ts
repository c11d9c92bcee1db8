import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { sql, type Kysely } from 'kysely';
import { GroupCommit } from '../../src/store/group-commit.ts';
import {
  durabilityDeferred,
  withDeferredDurability,
  withFullDurability,
} from '../../src/store/commit-durability.ts';
import type { Dialect } from '../../src/store/database.ts';
import type { DatabaseSchema } from '../../src/store/schema.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds, useMigratedDatabase } from '../support/test-databases.ts';

/** Whether a transaction begun now waits for the disk at its commit, as the database says. */
async function waitsForDisk(db: Kysely<DatabaseSchema>, dialect: Dialect): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    if (dialect === 'postgres') {
      const { rows } = await sql<{ synchronous_commit: string }>`SHOW synchronous_commit`.execute(trx);
      return rows[0]?.synchronous_commit === 'on';
    }
    // 2 is FULL, 1 NORMAL.
    const { rows } = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(trx);
    return rows[0]?.synchronous === 2;
  });
}

describe('the durability context', () => {
  it('is deferred inside withDeferredDurability and its continuations, and nowhere else', async () => {
    assert.equal(durabilityDeferred(), false);
    const seen = await withDeferredDurability(async () => {
      await new Promise((r) => setImmediate(r));
      return [durabilityDeferred(), withFullDurability(() => durabilityDeferred())];
    });
    assert.deepEqual(seen, [true, false]);
    assert.equal(durabilityDeferred(), false);
  });

  it('defers a group commit only when every job in the batch was submitted deferred', async () => {
    const flushed: { jobs: number[]; deferred: boolean }[] = [];
    const commits = new GroupCommit<number, number>(async (jobs) => {
      flushed.push({ jobs, deferred: durabilityDeferred() });
      if (jobs.length > 1 && jobs.includes(13)) throw new Error('job 13 poisons its batch');
      return jobs;
    });
    assert.equal(await withDeferredDurability(() => commits.submit(1)), 1);
    await Promise.all([withDeferredDurability(() => commits.submit(2)), commits.submit(3)]);
    await Promise.all([
      withDeferredDurability(() => commits.submit(4)),
      withDeferredDurability(() => commits.submit(5)),
    ]);
    // A failed batch is retried job by job, each with its own durability.
    await Promise.all([withDeferredDurability(() => commits.submit(13)), commits.submit(14)]);
    assert.deepEqual(flushed, [
      { jobs: [1], deferred: true },
      { jobs: [2, 3], deferred: false },
      { jobs: [4, 5], deferred: true },
      { jobs: [13, 14], deferred: false },
      { jobs: [13], deferred: true },
      { jobs: [14], deferred: false },
    ]);
  });
});

for (const kind of databaseKinds()) {
  describe(`deferred durability on ${kind}`, () => {
    const suite = useMigratedDatabase(kind);

    it('a transaction waits for the disk, but one begun with deferred durability does not', async () => {
      const { db, dialect } = suite.database;
      assert.equal(await waitsForDisk(db, dialect), true);
      assert.equal(await withDeferredDurability(() => waitsForDisk(db, dialect)), false);
      // The setting is the transaction's: the next one waits again.
      assert.equal(await waitsForDisk(db, dialect), true);
    });

    it('a deferred transaction that rolls back leaves the next one waiting for the disk', async () => {
      const { db, dialect } = suite.database;
      await assert.rejects(
        withDeferredDurability(() =>
          db.transaction().execute(async () => {
            throw new Error('rolled back');
          }),
        ),
        /rolled back/,
      );
      assert.equal(await waitsForDisk(db, dialect), true);
    });

    it('commits of deferred and full transactions interleaved keep each its own setting', async () => {
      const { db, dialect } = suite.database;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          i % 2 === 0 ? withDeferredDurability(() => waitsForDisk(db, dialect)) : waitsForDisk(db, dialect),
        ),
      );
      assert.deepEqual(
        results,
        Array.from({ length: 20 }, (_, i) => i % 2 === 1),
      );
    });
  });

  describe(`a playbook action's own writes on ${kind}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(
        kind,
        {},
        {
          worker: true,
          setup: (riposte) => {
            riposte.actions.register({
              id: 'probe.write',
              title: 'Write and report',
              description: 'Commits a transaction and reports whether it waited for the disk.',
              effect: 'write',
              input: Type.Object({}),
              timeoutMs: 5_000,
              retry: null,
              run: async () => ({
                waited: await waitsForDisk(riposte.database.db, riposte.database.dialect),
              }),
            });
          },
        },
      );
    });
    after(() => h.close());

    it('commit without waiting for the disk; the outcome and the ledger row are stored', async () => {
      const saved = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks',
        payload: {
          source: `
id: durability_probe
name: Durability probe
triggers: { manual: true }
steps:
  - id: write
    uses: probe.write
`,
        },
      });
      assert.equal(saved.statusCode, 201, saved.body);
      const started = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/runs',
        payload: { playbookId: 'durability_probe', inputs: {} },
      });
      assert.equal(started.statusCode, 201, started.body);
      const run = await h.riposte.runs.settle(started.json().id as string, 10_000, { untilTerminal: true });
      assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
      assert.deepEqual(run.steps.find((s) => s.stepId === 'write')?.output, { waited: false });
      const ledger = await h.riposte.responseRules.entries({ runId: run.id });
      assert.deepEqual(
        ledger.map((e) => e.action),
        ['probe.write'],
      );
      // Everything else still waits for the disk.
      assert.equal(await waitsForDisk(h.riposte.database.db, h.riposte.database.dialect), true);
    });
  });
}
