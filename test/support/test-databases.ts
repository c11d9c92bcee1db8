import { after, before } from 'node:test';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { migrate } from '../../src/store/migrator.ts';
import {
  createScratchDatabase,
  scratchDatabasePrefix,
  type ScratchDatabase,
} from '../../src/store/scratch-database.ts';

export type TestDatabase = ScratchDatabase;

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

/** A fresh, empty database of the kind: a temp SQLite file, or a new PostgreSQL database. */
export async function createTestDatabase(kind: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  const admin = kind === 'postgres' ? process.env.RIPOSTE_TEST_POSTGRES_URL : undefined;
  if (kind === 'postgres' && !admin) throw new Error('RIPOSTE_TEST_POSTGRES_URL is not set');
  try {
    return await createScratchDatabase(admin, 'test');
  } catch (error) {
    throw new Error(`${(error as Error).message}; start it or unset RIPOSTE_TEST_POSTGRES_URL`, {
      cause: error,
    });
  }
}

/**
 * The environment of a `riposte` process (the CLI, `serve`, `worker`) on this database: the test's own,
 * pointed at it, without a master key (the process uses the data directory's key file).
 */
export function processEnv(db: TestDatabase, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RIPOSTE_DATA_DIR: db.dataDir,
    RIPOSTE_DATABASE_URL: db.url,
    ...extra,
  };
  delete env.RIPOSTE_MASTER_KEY;
  return env;
}

/**
 * A fresh database of the kind for the suite it is called in: created, opened and migrated before its
 * tests, closed and dropped after them. Read `database` inside tests and hooks, not at suite level.
 */
export function useMigratedDatabase(kind: 'sqlite' | 'postgres'): {
  readonly database: Database;
  /** The database's URL, for a second connection to it (another process's, say). */
  readonly url: string;
} {
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
    get url(): string {
      if (!t) throw new Error('the suite database is created in before(): read it inside a test or hook');
      return t.url;
    },
  };
}

/**
 * The PostgreSQL databases this process made with `label` that are still there: a bench that drops what it made leaves none.
 */
export async function scratchDatabasesLeft(label: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: process.env.RIPOSTE_TEST_POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`${scratchDatabasePrefix(label)}%`],
    );
    return rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}
