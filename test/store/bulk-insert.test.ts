import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { insertRows } from '../../src/store/bulk-insert.ts';
import type { AssetTable } from '../../src/store/schema.ts';
import { databaseKinds, useMigratedDatabase } from '../support/test-databases.ts';

for (const kind of databaseKinds()) {
  describe(`multi-row INSERT without the query builder on ${kind}`, () => {
    const suite = useMigratedDatabase(kind);

    const asset = (i: number): AssetTable => ({
      type: 'host',
      value: `h${String(i).padStart(4, '0')}.example.org`,
      criticality: i % 2 ? 'high' : 'low',
      owner: i % 3 ? `owner-${i}` : null,
      tags: JSON.stringify([`t${i}`, 'it\'s "quoted"']),
      updated_at: '2026-11-30T10:00:00.000Z',
    });

    /** The stored rows of these assets, in value order. */
    const storedAssets = (assets: AssetTable[]) =>
      suite.database.db
        .selectFrom('assets')
        .selectAll()
        .where(
          'value',
          'in',
          assets.map((a) => a.value),
        )
        .orderBy('value')
        .execute();

    it('stores every row with its values, across several statements, in the caller’s transaction', async () => {
      const rows = Array.from({ length: 901 }, (_, i) => asset(i));
      await suite.database.db.transaction().execute((trx) => insertRows(trx, kind, 'assets', rows));
      const stored = await suite.database.db.selectFrom('assets').selectAll().orderBy('value').execute();
      assert.deepEqual(stored, rows);
    });

    it('writes nothing when the transaction rolls back', async () => {
      await assert.rejects(
        suite.database.db.transaction().execute(async (trx) => {
          await insertRows(trx, kind, 'assets', [asset(5000)]);
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      const found = await suite.database.db
        .selectFrom('assets')
        .select('value')
        .where('value', '=', asset(5000).value)
        .execute();
      assert.deepEqual(found, []);
    });

    it('fails the statement on a duplicate key, like any INSERT', async () => {
      await assert.rejects(
        suite.database.db.transaction().execute((trx) => insertRows(trx, kind, 'assets', [asset(1)])),
      );
    });

    it('with ignoreConflicts keeps the stored row of a duplicate key and inserts the rest', async () => {
      const changed = { ...asset(2), criticality: 'medium' };
      await suite.database.db
        .transaction()
        .execute((trx) => insertRows(trx, kind, 'assets', [changed, asset(6000)], { ignoreConflicts: true }));
      const stored = await storedAssets([asset(2), asset(6000)]);
      assert.deepEqual(stored, [asset(2), asset(6000)]);
    });
    it('with updateOnConflict updates the named columns of a stored row and inserts the rest', async () => {
      const changed = { ...asset(3), criticality: 'medium', owner: 'someone-else' };
      await suite.database.db.transaction().execute((trx) =>
        insertRows(trx, kind, 'assets', [changed, asset(7000)], {
          updateOnConflict: { key: ['type', 'value'], columns: ['criticality'] },
        }),
      );
      const stored = await storedAssets([asset(3), asset(7000)]);
      // Only criticality moved; the owner stays the stored one.
      assert.deepEqual(stored, [{ ...asset(3), criticality: 'medium' }, asset(7000)]);
    });

    if (kind === 'postgres')
      it('prepares a full chunk once per connection, and binds only values the next time', async () => {
        const prepared = await suite.database.db.transaction().execute(async (trx) => {
          await insertRows(
            trx,
            kind,
            'assets',
            Array.from({ length: 800 }, (_, i) => asset(10_000 + i)),
          );
          const { rows } = await sql<{ name: string; statement: string }>`
            SELECT name, statement FROM pg_prepared_statements`.execute(trx);
          return rows;
        });
        const inserts = prepared.filter((p) => p.statement.startsWith('insert into "assets"'));
        assert.equal(inserts.length, 1, 'one statement, prepared once, for both chunks');
        assert.match(inserts[0]!.name, /^riposte_\d+$/);
        assert.equal(
          await suite.database.db
            .selectFrom('assets')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('value', 'like', 'h1%')
            .executeTakeFirstOrThrow()
            .then((r) => Number(r.n)),
          800,
        );
      });
  });
}
