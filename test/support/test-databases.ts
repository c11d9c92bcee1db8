import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

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
