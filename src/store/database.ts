import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  PostgresDriver,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type QueryCompiler,
  type SelectModifierNode,
  type PostgresDialectConfig,
  type SqliteDialectConfig,
  type TransactionSettings,
} from 'kysely';
import pg from 'pg';
import { durabilityDeferred } from './commit-durability.ts';
import { ConnectionTurns } from './connection-turns.ts';
import { withStorableText } from './postgres-text.ts';
import { withPreparedStatements } from './prepared-statements.ts';
import type { DatabaseSchema } from './schema.ts';
import { withStatementCache } from './statement-cache.ts';
import { WalCheckpointer } from './wal-checkpointer.ts';

export type Dialect = 'sqlite' | 'postgres';

/**
 * Every transaction of ours writes. A deferred `begin` would take the write lock at the first write,
 * and in WAL mode fail at once (SQLITE_BUSY, no waiting) when another process (the CLI beside a
 * running server) committed in between; `begin immediate` takes the lock up front and waits for it
 * up to busy_timeout instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  readonly #checkpointer: WalCheckpointer | undefined;
  /** Connections in a transaction begun with deferred durability. */
  readonly #deferred = new WeakSet<DatabaseConnection>();
  /** The one connection, to one query or transaction at a time, first come first served. */
  readonly #turns = new ConnectionTurns();

  constructor(config: SqliteDialectConfig, checkpointer: WalCheckpointer | undefined) {
    super(config);
    this.#checkpointer = checkpointer;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const turn = this.#turns.take();
    if (turn) await turn;
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    this.#turns.release();
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    if (durabilityDeferred()) {
      // The connection is this transaction's until it ends: the setting cannot reach another's commit.
      await connection.executeQuery(CompiledQuery.raw('pragma synchronous = NORMAL'));
      this.#deferred.add(connection);
    }
    try {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    } catch (error) {
      await this.#restore(connection);
      throw error;
    }
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.commitTransaction(connection);
    } finally {
      await this.#restore(connection);
    }
    this.#checkpointer?.committed();
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } catch (error) {
      // After some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM …) SQLite has rolled the whole
      // transaction back itself; a ROLLBACK then fails, and would hide the error that caused it.
      if (!/no transaction is active/.test(String((error as Error).message))) throw error;
    } finally {
      await this.#restore(connection);
    }
  }

  /** Back to waiting for the disk after a transaction that did not (src/store/commit-durability.ts). */
  async #restore(connection: DatabaseConnection): Promise<void> {
    if (!this.#deferred.delete(connection)) return;
    await connection.executeQuery(CompiledQuery.raw('pragma synchronous = FULL'));
  }

  override async destroy(): Promise<void> {
    await this.#checkpointer?.close();
    await super.destroy();
  }
}

/** The row-lock clauses of a SELECT, which SQLite does not have. */
const ROW_LOCKS: ReadonlySet<string> = new Set([
  'ForUpdate',
  'ForShare',
  'ForKeyShare',
  'ForNoKeyUpdate',
  'NoWait',
  'SkipLocked',
]);

/**
 * Queries that read a row to change it say `forUpdate()` (or `forShare()`), which PostgreSQL needs to
 * hold the row to the commit. SQLite has no such clause and no need of it: our transactions begin
 * IMMEDIATE and hold the whole database. So they are left out here, and callers write one query.
 */
class ImmediateSqliteQueryCompiler extends SqliteQueryCompiler {
  protected override visitSelectModifier(node: SelectModifierNode): void {
    if (node.modifier !== undefined && ROW_LOCKS.has(node.modifier)) return;
    super.visitSelectModifier(node);
  }
}

/**
 * Kysely puts its own mutex in front of a driver whose adapter says it has one connection; ours takes
 * turns itself (`ConnectionTurns`), so the adapter says otherwise to leave that mutex out. Nothing
 * else in Kysely reads the flag.
 */
class TurnTakingSqliteAdapter extends SqliteAdapter {
  override get supportsMultipleConnections(): boolean {
    return true;
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #checkpointer: WalCheckpointer | undefined;

  constructor(config: SqliteDialectConfig, checkpointer: WalCheckpointer | undefined) {
    super(config);
    this.#config = config;
    this.#checkpointer = checkpointer;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#checkpointer);
  }

  override createQueryCompiler(): QueryCompiler {
    return new ImmediateSqliteQueryCompiler();
  }

  override createAdapter(): DialectAdapter {
    return new TurnTakingSqliteAdapter();
  }
}

/** PostgreSQL: a transaction begun with deferred durability does not wait for its WAL flush. */
class DeferringPostgresDriver extends PostgresDriver {
  override async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    await super.beginTransaction(connection, settings);
    if (durabilityDeferred())
      await connection.executeQuery(CompiledQuery.raw('SET LOCAL synchronous_commit TO OFF'));
  }
}

class DeferringPostgresDialect extends PostgresDialect {
  readonly #config: PostgresDialectConfig;

  constructor(config: PostgresDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new DeferringPostgresDriver(this.#config);
  }
}

/**
 * With the checkpoint thread (src/store/wal-checkpointer.ts) the committing connection checkpoints
 * only past this many WAL pages (64 MiB of 8 KiB pages) instead of SQLite's 1,000: a backstop. Under
 * a steady stream of commits the thread never quite catches up (a passive checkpoint copies the
 * frames there were when it started, and the WAL starts over only when one finishes before the next
 * commit), so now and then the backstop checkpoints the little that is left and the WAL restarts.
 */
const BACKSTOP_CHECKPOINT_PAGES = 8_192;
const DEFAULT_CHECKPOINT_PAGES = 1_000;

export interface Database {
  readonly db: Kysely<DatabaseSchema>;
  readonly dialect: Dialect;
  /** SQLite in a file: the thread that checkpoints the WAL. */
  readonly checkpointer?: WalCheckpointer;
  close(): Promise<void>;
}

/**
 * SQLite's page cache, in MiB: the hot pages of the alert and case indexes (SQLite's own default is
 * 2 MB, which thrashes once they outgrow it). Larger did not measurably help bulk ingest into a
 * database of three million alerts (docs/benchmarks.md, twelfth session); `RIPOSTE_SQLITE_CACHE_MB`
 * raises it. A ceiling, not an allocation: a small database uses little of it.
 */
export const DEFAULT_SQLITE_CACHE_MB = 64;

// PostgreSQL returns BIGINT (count(*), sums) as strings by default; our counts fit in a double.
pg.types.setTypeParser(20, (value: string) => Number(value));

export interface DatabaseOptions {
  /** SQLite: the most its page cache may take, in MiB (`Config.sqliteCacheMb`). */
  sqliteCacheMb?: number;
  /**
   * A short look into a database that must already exist (a tenant check reading the main one): a
   * missing SQLite file is an error rather than created, and no checkpoint thread is started.
   */
  existing?: boolean;
}

/**
 * Opens the configured database. SQLite runs in WAL mode with synchronous=FULL so that a commit is on
 * disk before we acknowledge it; the ingest path batches commits to keep that affordable. The one
 * exception, a playbook action's own writes, is made durable by the run's next commit
 * (src/store/commit-durability.ts).
 */
export function openDatabase(url: string, options: DatabaseOptions = {}): Database {
  if (url.startsWith('sqlite://')) {
    const file = url.slice('sqlite://'.length);
    if (file !== ':memory:' && !options.existing) mkdirSync(path.dirname(file), { recursive: true });
    const sqlite = new SQLite(file, { fileMustExist: options.existing === true });
    // 8 KiB pages for a new file (an existing one keeps its own): a commit writes whole pages to the
    // WAL, one frame each, and an alert row of about 1.6 KB left a fifth of every 4 KiB page empty;
    // bulk ingest commits fewer, fuller frames (docs/benchmarks.md).
    sqlite.pragma('page_size = 8192');
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // The default 2 MB page cache thrashes once the alert indexes outgrow it; a larger one and a
    // memory map keep the hot B-tree pages in memory. Durability is unchanged (WAL, synchronous=FULL).
    sqlite.pragma(`cache_size = -${(options.sqliteCacheMb ?? DEFAULT_SQLITE_CACHE_MB) * 1024}`);
    sqlite.pragma('mmap_size = 268435456');
    sqlite.pragma('temp_store = memory');
    const checkpointer =
      file === ':memory:' || options.existing
        ? undefined
        : new WalCheckpointer(file, () => sqlite.pragma(`wal_autocheckpoint = ${DEFAULT_CHECKPOINT_PAGES}`));
    if (checkpointer) sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
    const db = new Kysely<DatabaseSchema>({
      dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }, checkpointer),
    });
    return { db, dialect: 'sqlite', ...(checkpointer ? { checkpointer } : {}), close: () => db.destroy() };
  }
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // A connection the server drops (restart, failover, DROP DATABASE … FORCE) emits 'error': on the pool
  // when it is idle there, on the client itself when it is checked out between two statements of a
  // transaction. Unhandled, either would crash the process. The statement waiting on it fails (the
  // request answers 503 storage_unavailable) and the pool replaces the client on the next query.
  const lost = (error: Error) =>
    process.stderr.write(
      `${JSON.stringify({ level: 40, time: Date.now(), msg: 'PostgreSQL connection lost', err: error.message })}\n`,
    );
  pool.on('connect', (client) => client.on('error', lost));
  // The client's own listener has logged it; the pool's must exist, or the pool would throw.
  pool.on('error', () => undefined);
  const db = new Kysely<DatabaseSchema>({
    dialect: new DeferringPostgresDialect({ pool: withStorableText(withPreparedStatements(pool)) }),
  });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}
