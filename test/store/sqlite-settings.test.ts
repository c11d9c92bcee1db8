import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { openRiposte } from '../../src/riposte.ts';
import { DEFAULT_SQLITE_CACHE_MB, openDatabase } from '../../src/store/database.ts';
import { migrate } from '../../src/store/migrator.ts';
import type { DatabaseSchema } from '../../src/store/schema.ts';
import { createTestDatabase, useMigratedDatabase } from '../support/test-databases.ts';

/** The SQLite settings durability and ingest throughput rest on (docs/architecture.md, docs/benchmarks.md). */
describe('SQLite settings', () => {
  const suite = useMigratedDatabase('sqlite');

  const pragmaOf = async (db: Kysely<DatabaseSchema>, name: string): Promise<unknown> =>
    Object.values((await sql.raw(`PRAGMA ${name}`).execute(db)).rows[0] as object)[0];
  const pragma = (name: string) => pragmaOf(suite.database.db, name);

  it('a new database: WAL, synchronous=FULL (a commit is on disk before the 202), 8 KiB pages', async () => {
    assert.equal(await pragma('journal_mode'), 'wal');
    assert.equal(await pragma('synchronous'), 2);
    assert.equal(await pragma('page_size'), 8192);
    assert.equal(await pragma('foreign_keys'), 1);
  });

  it('a page cache of 64 MiB unless configured (SQLite would keep 2 MB)', async () => {
    assert.equal(await pragma('cache_size'), -DEFAULT_SQLITE_CACHE_MB * 1024);
    assert.equal(DEFAULT_SQLITE_CACHE_MB, 64);
    const other = await createTestDatabase('sqlite');
    const large = openDatabase(other.url, { sqliteCacheMb: 512 });
    try {
      assert.equal(await pragmaOf(large.db, 'cache_size'), -512 * 1024);
    } finally {
      await large.close();
      await other.drop();
    }
  });

  it('RIPOSTE_SQLITE_CACHE_MB sets the page cache of the server', async () => {
    const other = await createTestDatabase('sqlite');
    const riposte = await openRiposte(
      loadConfig(
        { RIPOSTE_SQLITE_CACHE_MB: '32' },
        { dataDir: other.dataDir, databaseUrl: other.url, logLevel: 'silent', builtinPlaybooks: false },
      ),
    );
    try {
      assert.equal(await pragmaOf(riposte.database.db, 'cache_size'), -32 * 1024);
    } finally {
      await riposte.close();
      await other.drop();
    }
  });

  it('an existing database keeps the page size it was made with', async () => {
    const other = await createTestDatabase('sqlite');
    try {
      const file = other.url.slice('sqlite://'.length);
      const { default: SQLite } = await import('better-sqlite3');
      const made = new SQLite(file);
      made.pragma('page_size = 4096');
      made.exec('CREATE TABLE earlier (x)');
      made.close();
      const reopened = openDatabase(other.url);
      try {
        assert.equal(await pragmaOf(reopened.db, 'page_size'), 4096);
        await migrate(reopened);
      } finally {
        await reopened.close();
      }
    } finally {
      await other.drop();
    }
  });
});
