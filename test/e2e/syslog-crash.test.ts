import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { openDatabase } from '../../src/store/database.ts';
import { freePort } from '../support/local-service.ts';
import { startServe, type ServeProcess } from '../support/serve-process.ts';
import { until } from '../support/until.ts';
import {
  createTestDatabase,
  databaseKinds,
  processEnv,
  type TestDatabase,
} from '../support/test-databases.ts';

const BIN = new URL('../../bin/riposte.js', import.meta.url).pathname;
const MESSAGES = 500;

const cefLine = (id: number) =>
  `<134>Dec  3 10:00:00 fw01 CEF:0|Palo Alto Networks|PAN-OS|11.1|${id}|Crash ${id}|8|src=10.81.${(id >> 8) & 255}.${id & 255} dst=198.51.100.${id % 250} dpt=443`;

/** The count `/metrics` gives for the listener's messages with this outcome (0 before the first). */
async function syslogCount(serve: ServeProcess, outcome: string): Promise<number> {
  const text = await fetch(`${serve.base}/metrics`).then((r) => r.text());
  const line = text
    .split('\n')
    .find((l) => l.startsWith('riposte_syslog_messages_total{') && l.includes(`outcome="${outcome}"`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/**
 * Takes the database's write lock from outside the server, as another process's long write would:
 * SQLite's `BEGIN IMMEDIATE`, PostgreSQL's `LOCK TABLE alerts IN SHARE MODE` (reads go on, inserts
 * wait). Returns what lets go of it.
 */
async function holdWrites(db: TestDatabase): Promise<() => Promise<void>> {
  if (db.url.startsWith('sqlite://')) {
    const sqlite = new BetterSqlite3(db.url.slice('sqlite://'.length));
    sqlite.pragma('busy_timeout = 10000');
    sqlite.exec('BEGIN IMMEDIATE');
    return async () => {
      sqlite.exec('ROLLBACK');
      sqlite.close();
    };
  }
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE alerts IN SHARE MODE');
  return async () => {
    await client.query('ROLLBACK');
    await client.end();
  };
}

async function stop(serve: ServeProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = new Promise<void>((resolve) => serve.child.once('exit', () => resolve()));
  serve.child.kill(signal);
  await exited;
}

/**
 * Syslog has no acknowledgement, so the listener's promise is its spool (docs/ingest.md#from-syslog):
 * a message it has read is on disk before it waits for a commit. Here the server reads 500 messages
 * while another process holds the database's write lock, so none can commit, and is killed with
 * SIGKILL. Started again on the same data directory, it ingests every one of them, once.
 */
for (const kind of databaseKinds()) {
  describe(`syslog crash test (${kind})`, () => {
    let db: TestDatabase;
    let env: NodeJS.ProcessEnv;
    let port = 0;

    before(async () => {
      db = await createTestDatabase(kind);
      port = await freePort();
      env = processEnv(db, { RIPOSTE_LOG_LEVEL: 'warn', RIPOSTE_SYSLOG: `tcp://127.0.0.1:${port}/fw` });
      const created = spawnSync(
        process.execPath,
        [BIN, 'source', 'create', '--name', 'fw', '--format', 'cef'],
        { env, encoding: 'utf8', timeout: 60_000 },
      );
      assert.equal(created.status, 0, created.stderr);
    });
    after(() => db.drop());

    it('stores every message it had read, after a SIGKILL while none could commit', async () => {
      const first = await startServe(env);
      await until('the listener is up', async () => /syslog: tcp:\/\//.test(first.stderr()));
      const release = await holdWrites(db);
      try {
        const socket = connect(port, '127.0.0.1');
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        const lines = Array.from({ length: MESSAGES }, (_, i) => `${cefLine(i)}\n`).join('');
        await new Promise<void>((resolve) => socket.end(lines, () => resolve()));
        await until(
          'the server read every message',
          async () => (await syslogCount(first, 'received')) === MESSAGES,
        );
        assert.equal(await syslogCount(first, 'accepted'), 0, 'nothing could commit');
        await stop(first, 'SIGKILL');
      } finally {
        await release();
      }

      const database = openDatabase(db.url);
      const stored = async () =>
        Number(
          (
            await database.db
              .selectFrom('alerts')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('source', '=', 'fw')
              .executeTakeFirstOrThrow()
          ).n,
        );
      try {
        assert.equal(await stored(), 0, 'the killed server committed nothing');
        // Started with the listener moved to another port, the server names the spool left behind.
        const moved = await startServe({ ...env, RIPOSTE_SYSLOG: `tcp://127.0.0.1:${await freePort()}/fw` });
        await until('the listener is up', async () => /syslog: tcp:\/\//.test(moved.stderr()));
        await stop(moved, 'SIGTERM');
        assert.match(
          moved.stderr(),
          /the spool \S+tcp-127\.0\.0\.1-\d+-fw holds \d+ bytes of messages no listener takes up/,
        );
        assert.equal(await stored(), 0);
        const second = await startServe(env);
        try {
          await until('every message was stored', async () => (await stored()) === MESSAGES);
          assert.equal(await syslogCount(second, 'replayed'), MESSAGES);
          assert.equal(await syslogCount(second, 'accepted'), MESSAGES);
          const titles = await database.db
            .selectFrom('alerts')
            .select('title')
            .where('source', '=', 'fw')
            .execute();
          assert.equal(new Set(titles.map((t) => t.title)).size, MESSAGES, 'each message once');
        } finally {
          await stop(second, 'SIGTERM');
        }
      } finally {
        await database.close();
      }
    });
  });
}
