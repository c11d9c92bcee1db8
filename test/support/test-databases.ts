import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { migrate } from '../../src/store/migrator.ts';

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  url: string;
  dataDir: string;
  drop(): Promise<void>;
}

/**
 * The databases every storage-touching suite runs against. SQLite always; PostgreSQL when
 * RIPOSTE_TEST_POSTGRES_URL names a server (`.ci/run` sets it). In CI (CI=1) a missing PostgreSQL
 * is a failure, never a silent skip.
 */
export function databaseKinds(): ('sqlite' | 'postgres')[] {
  if (process.env.RIPOSTE_TEST_POSTGRES_URL) return ['sqlite', 'postgres'];
  if (process.env.CI)
    throw new Error('CI=1 but RIPOSTE_TEST_POSTGRES_URL is not set: the PostgreSQL suite must run in CI');
  return ['sqlite'];
}

let counter = 0;

/** A fresh, empty database of the kind: a temp SQLite file, or a new PostgreSQL database. */
export async function createTestDatabase(kind: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'riposte-test-'));
  if (kind === 'sqlite') {
    return {
      name: 'sqlite',
      url: `sqlite://${path.join(dataDir, 'riposte.db')}`,
      dataDir,
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const admin = process.env.RIPOSTE_TEST_POSTGRES_URL!;
  const name = `riposte_t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const client = new pg.Client({ connectionString: admin });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL at ${admin} is not reachable (${(error as Error).message}); start it or unset RIPOSTE_TEST_POSTGRES_URL`,
    );
  }
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    name: 'postgres',
    url: url.toString(),
    dataDir,
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh database of the kind for the suite it is called in: created, opened and migrated before its
 * tests, closed and dropped after them. Read `database` inside tests and hooks, not at suite level.
 */
export function useMigratedDatabase(kind: 'sqlite' | 'postgres'): { readonly database: Database } {
  let t: TestDatabase | undefined;
  let opened: Database | undefined;
  before(async () => {
    t = await createTestDatabase(kind);
    opened = openDatabase(t.url);
    await migrate(opened);
  });
  after(async () => {
    await opened?.close();
    await t?.drop();
  });
  return {
    get database(): Database {
      if (!opened) throw new Error('the suite database is opened in before(): read it inside a test or hook');
      return opened;
    },
  };
}
