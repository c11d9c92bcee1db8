import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { migrate, MIGRATIONS } from '../../src/store/migrator.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/test-databases.ts';

const KEY = Buffer.alloc(32, 7);
const actor = { id: 'tester', type: 'user' as const, ip: '127.0.0.1' };

for (const kind of databaseKinds()) {
  describe(`storage on ${kind}`, () => {
    let t: TestDatabase;
    let database: Database;

    before(async () => {
      t = await createTestDatabase(kind);
      database = openDatabase(t.url);
    });
    after(async () => {
      await database.close();
      await t.drop();
    });

    it('migrates forward once and is a no-op the second time, also when two run at once', async () => {
      const [first, second] = await Promise.all([migrate(database), migrate(database)]);
      assert.equal(first.applied.length + second.applied.length, MIGRATIONS.length);
      const again = await migrate(database);
      assert.deepEqual(again.applied, []);
      const tables = [
        'alerts',
        'cases',
        'case_observables',
        'audit_log',
        'users',
        'api_tokens',
        'sources',
        'assets',
      ];
      for (const table of tables) {
        await sql`SELECT count(*) FROM ${sql.table(table)}`.execute(database.db);
      }
    });

    it('holds a row read to be changed: FOR UPDATE / FOR SHARE on PostgreSQL, nothing on SQLite (one writer at a time)', async () => {
      const query = database.db.selectFrom('cases').select('id').where('id', '=', 'none');
      const forUpdate = query.forUpdate().compile().sql;
      const forShare = query.forShare().compile().sql;
      if (kind === 'postgres') {
        assert.match(forUpdate, / for update$/);
        assert.match(forShare, / for share$/);
      } else {
        assert.doesNotMatch(`${forUpdate} ${forShare}`, /for (update|share)/);
      }
      // And it runs, inside a transaction as the services use it.
      await database.db.transaction().execute(async (trx) => {
        assert.deepEqual(
          await trx.selectFrom('cases').select('id').where('id', '=', 'none').forUpdate().execute(),
          [],
        );
      });
    });

    it('full-text search finds a case by a word of its current document only', async () => {
      const search = (word: string) =>
        kind === 'sqlite'
          ? sql<{
              case_id: string;
            }>`SELECT case_id FROM case_search WHERE rowid IN (SELECT rowid FROM case_search_fts WHERE case_search_fts MATCH ${`"${word}"`})`.execute(
              database.db,
            )
          : sql<{
              case_id: string;
            }>`SELECT case_id FROM case_search WHERE doc @@ websearch_to_tsquery('simple', ${word})`.execute(
              database.db,
            );
      const upsert = (body: string) =>
        database.db
          .insertInto('case_search')
          .values({ case_id: 'case_x', part: '0', body })
          .onConflict((oc) =>
            oc.columns(['case_id', 'part']).doUpdateSet((eb) => ({ body: eb.ref('excluded.body') })),
          )
          .execute();
      await upsert('Phishing report from finance');
      assert.deepEqual(
        (await search('finance')).rows.map((r) => r.case_id),
        ['case_x'],
      );
      await upsert('Malware on a build server');
      assert.deepEqual((await search('finance')).rows, []);
      assert.deepEqual(
        (await search('malware')).rows.map((r) => r.case_id),
        ['case_x'],
      );
    });

    describe('audit chain', () => {
      const log = new AuditLog(KEY, kind);
      const seed = async () => {
        await database.db.deleteFrom('audit_log').execute();
        for (let i = 0; i < 5; i++)
          await log.write(database.db, [
            { actor, action: `test.${i}`, targetType: 'case', targetId: `c${i}`, details: { i } },
          ]);
      };

      it('verifies an intact chain and detects an altered row', async () => {
        await seed();
        assert.deepEqual(await log.verify(database.db), {
          ok: true,
          checked: 5,
          head: (
            await database.db
              .selectFrom('audit_log')
              .select('hash')
              .where('seq', '=', 5)
              .executeTakeFirstOrThrow()
          ).hash,
        });
        await database.db.updateTable('audit_log').set({ actor: 'mallory' }).where('seq', '=', 3).execute();
        const result = await log.verify(database.db);
        assert.equal(result.ok, false);
        assert.equal(!result.ok && result.problem.seq, 3);
        assert.match(!result.ok ? result.problem.reason : '', /altered/);
      });

      it('detects a deleted row', async () => {
        await seed();
        await database.db.deleteFrom('audit_log').where('seq', '=', 2).execute();
        const result = await log.verify(database.db);
        assert.equal(result.ok, false);
        assert.match(!result.ok ? result.problem.reason : '', /row 2 is missing/);
      });

      it('detects an inserted row even with a recomputed plain hash', async () => {
        await seed();
        const rows = await database.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
        // Shift rows 4..5 up and forge a row 4 that claims to follow row 3.
        await database.db.deleteFrom('audit_log').where('seq', '>=', 4).execute();
        const forged = { ...rows[3]!, action: 'forged', prev_hash: rows[2]!.hash };
        await database.db
          .insertInto('audit_log')
          .values([forged, { ...rows[3]!, seq: 5 }, { ...rows[4]!, seq: 6 }])
          .execute();
        const result = await log.verify(database.db);
        assert.equal(result.ok, false);
        assert.equal(!result.ok && result.problem.seq, 4);
      });

      it('a chain written with another key does not verify', async () => {
        await seed();
        const other = new AuditLog(Buffer.alloc(32, 9), kind);
        assert.equal((await other.verify(database.db)).ok, false);
      });

      it('stays one chain when two processes append at the same moment', async () => {
        await database.db.deleteFrom('audit_log').execute();
        // A second process: its own connection to the same database. On SQLite, two connections in
        // one thread would wait on each other's write lock (better-sqlite3 waits synchronously), so the
        // appends share one connection there; SQLite's processes take turns at BEGIN IMMEDIATE.
        const other = kind === 'postgres' ? openDatabase(t.url) : database;
        try {
          await Promise.all(
            Array.from({ length: 40 }, (_, i) =>
              log.write((i % 2 === 0 ? database : other).db, [
                { actor, action: `test.race.${i}`, targetType: 'case', targetId: `r${i}` },
              ]),
            ),
          );
        } finally {
          if (other !== database) await other.close();
        }
        const result = await log.verify(database.db);
        assert.equal(result.ok, true, JSON.stringify(result));
        assert.equal(result.ok && result.checked, 40);
      });
    });
  });
}
