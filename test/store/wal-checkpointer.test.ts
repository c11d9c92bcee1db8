import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { WalCheckpointer } from '../../src/store/wal-checkpointer.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.ts';

/** The checkpoint thread (src/store/wal-checkpointer.ts): the WAL is copied back off the main thread. */
describe('SQLite checkpoint thread', () => {
  let t: TestDatabase;
  let database: Database;
  let file: string;
  before(async () => {
    t = await createTestDatabase('sqlite');
    file = t.url.slice('sqlite://'.length);
    database = openDatabase(t.url);
    await sql`CREATE TABLE filler (n INTEGER, body BLOB)`.execute(database.db);
  });
  after(async () => {
    await database.close();
    await t.drop();
  });

  const pragma = async (name: string): Promise<number> =>
    Number(Object.values((await sql.raw(`PRAGMA ${name}`).execute(database.db)).rows[0] as object)[0]);

  it('copies committed frames into the database file after commits, leaving the main connection a backstop', async () => {
    const checkpointer = database.checkpointer;
    assert.ok(checkpointer, 'a file database has a checkpoint thread');
    assert.equal(await pragma('wal_autocheckpoint'), 8192);
    const sizeBefore = statSync(file).size;
    for (let i = 0; i < 20; i++) {
      await database.db.transaction().execute(async (trx) => {
        for (let k = 0; k < 20; k++)
          await sql`INSERT INTO filler VALUES (${i * 20 + k}, randomblob(8000))`.execute(trx);
      });
    }
    await checkpointer.idle();
    // The last checkpoint ran after the last commit, so it copied every frame the WAL holds.
    assert.ok(checkpointer.stats.checkpoints >= 1);
    assert.equal(checkpointer.stats.failures, 0);
    assert.ok(checkpointer.stats.walFrames >= 400, `${checkpointer.stats.walFrames} frames`);
    assert.equal(checkpointer.stats.checkpointedFrames, checkpointer.stats.walFrames);
    // 400 rows of 8 KB reached the database file itself, not only the WAL.
    assert.ok(statSync(file).size >= sizeBefore + 400 * 8000);
    const { n } = (await sql<{ n: number }>`SELECT count(*) AS n FROM filler`.execute(database.db)).rows[0]!;
    assert.equal(n, 400);
  });

  it('the WAL starts over once a checkpoint caught up, so it does not grow without bound', async () => {
    const checkpointer = database.checkpointer!;
    const walSize = () => statSync(`${file}-wal`).size;
    for (let round = 0; round < 3; round++) {
      await database.db.transaction().execute(async (trx) => {
        for (let k = 0; k < 50; k++)
          await sql`INSERT INTO filler VALUES (${k}, randomblob(8000))`.execute(trx);
      });
      await checkpointer.idle();
    }
    // Three rounds of about 60 frames each: had the WAL not restarted, it would hold them all on top
    // of the 400 or more frames of the test before.
    const frames = (walSize() - 32) / (8192 + 24);
    assert.ok(frames < 460 + 180, `${frames} frames`);
    assert.equal(checkpointer.stats.checkpointedFrames, checkpointer.stats.walFrames);
    assert.ok(checkpointer.stats.walFrames < 100, `${checkpointer.stats.walFrames} frames since the restart`);
  });

  it('a stream of small commits gets a checkpoint per interval (100 ms), not one per commit', async () => {
    const checkpointer = database.checkpointer!;
    await checkpointer.idle();
    const before = checkpointer.stats.checkpoints;
    const started = performance.now();
    for (let i = 0; i < 200; i++) {
      await database.db
        .transaction()
        .execute((trx) => sql`INSERT INTO filler VALUES (${i}, NULL)`.execute(trx));
      // As in a server, the event loop turns between commits (the thread's answers arrive).
      await new Promise((resolve) => setImmediate(resolve));
    }
    await checkpointer.idle();
    const made = checkpointer.stats.checkpoints - before;
    const intervals = (performance.now() - started) / 100;
    assert.ok(made >= 1, 'the last commit was checkpointed');
    assert.ok(made <= Math.ceil(intervals) + 1, `${made} checkpoints in ${intervals.toFixed(1)} intervals`);
    assert.equal(checkpointer.stats.checkpointedFrames, checkpointer.stats.walFrames);
  });

  it('an in-memory database has none', () => {
    const memory = openDatabase('sqlite://:memory:');
    assert.equal(memory.checkpointer, undefined);
    return memory.close();
  });

  it('a thread that fails gives checkpoints back to the committing connection, once', async () => {
    let gaveUp = 0;
    const broken = new WalCheckpointer('/nonexistent-directory/riposte.db', () => gaveUp++, 0);
    const stderr = process.stderr.write;
    const lines: string[] = [];
    process.stderr.write = ((chunk: string) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      broken.committed();
      await broken.idle();
      broken.committed();
      await broken.idle();
    } finally {
      process.stderr.write = stderr;
    }
    assert.equal(gaveUp, 1);
    assert.equal(broken.stats.failures, 1);
    assert.match(broken.stats.lastError ?? '', /unable to open|directory/i);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /checkpoint thread failed/);
    await broken.close();
  });
});
