import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** A database made for one run (a test suite, a benchmark) and thrown away after it. */
export interface ScratchDatabase {
  dialect: 'sqlite' | 'postgres';
  url: string;
  /** A temp directory for what Riposte keeps beside its database (and the SQLite file itself). */
  dataDir: string;
  /** Removes the database and the temp directory. */
  drop(): Promise<void>;
}

/** Databases made by this process: part of each name, so two made in the same millisecond differ. */
let made = 0;

/** How the PostgreSQL databases this process makes with `label` are named: this, then a time and a count. */
export function scratchDatabasePrefix(label: string): string {
  return `riposte_${label.replaceAll('-', '_')}_${process.pid}_`;
}

/**
 * A fresh, empty database: a SQLite file in a new temp directory when `adminUrl` is undefined, or a
 * new PostgreSQL database created beside the one `adminUrl` names (which must allow
 * `CREATE DATABASE`), named after `label`.
 */
export async function createScratchDatabase(
  adminUrl: string | undefined,
  label: string,
): Promise<ScratchDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `riposte-${label}-`));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  if (adminUrl === undefined) {
    return {
      dialect: 'sqlite',
      url: `sqlite://${path.join(dataDir, 'riposte.db')}`,
      dataDir,
      drop: async () => removeDir(),
    };
  }
  const name = `${scratchDatabasePrefix(label)}${Date.now().toString(36)}_${++made}`;
  try {
    await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  } catch (error) {
    removeDir();
    throw error;
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    dialect: 'postgres',
    url: url.toString(),
    dataDir,
    drop: async () => {
      await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      removeDir();
    },
  };
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL at ${url} is not reachable (${(error as Error).message})`, { cause: error });
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
