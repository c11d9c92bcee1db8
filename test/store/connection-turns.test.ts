import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { useMigratedDatabase } from '../support/test-databases.ts';

/** SQLite's one connection, shared by queries and transactions (src/store/connection-turns.ts). */
describe('SQLite connection turns', () => {
  const suite = useMigratedDatabase('sqlite');

  it('queries asked for during a transaction wait for its end and then run in the order asked', async () => {
    const { db } = suite.database;
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const transaction = db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      order.push('transaction');
      await held;
      order.push('transaction ends');
    });
    await new Promise((r) => setImmediate(r));
    const queries = Array.from({ length: 200 }, (_, n) =>
      sql<{ n: number }>`select ${n} as n`.execute(db).then((r) => order.push(`query ${r.rows[0]!.n}`)),
    );
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(order, ['transaction'], 'no query runs inside another caller’s transaction');
    release();
    await Promise.all([transaction, ...queries]);
    assert.deepEqual(order, [
      'transaction',
      'transaction ends',
      ...Array.from({ length: 200 }, (_, n) => `query ${n}`),
    ]);
  });

  it('a failed query or transaction gives the connection back', async () => {
    const { db } = suite.database;
    await assert.rejects(sql`select * from no_such_table`.execute(db), /no such table/);
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await sql`select 1`.execute(trx);
        throw new Error('the caller gave up');
      }),
      /gave up/,
    );
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
    assert.equal(rows[0]!.one, 1);
  });
});
