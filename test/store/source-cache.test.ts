import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import {
  Kysely,
  SqliteDialect,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import Database from 'better-sqlite3';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { loadMasterKey } from '../../src/security/master-key.ts';
import { SecretBox } from '../../src/security/secret-box.ts';
import { SourceService } from '../../src/sources/source-service.ts';
import { openDatabase, type Database as RiposteDatabase } from '../../src/store/database.ts';
import { migrate } from '../../src/store/migrator.ts';
import type { DatabaseSchema } from '../../src/store/schema.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.ts';

const ACTOR = { id: 'admin', type: 'user' as const };

/** Holds the results of SELECTs while `held` is set: a read that has happened but not yet returned. */
class HoldReads implements KyselyPlugin {
  held: Promise<void> | undefined;
  readonly #selects = new WeakSet<object>();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (args.node.kind === 'SelectQueryNode') this.#selects.add(args.queryId);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.held && this.#selects.has(args.queryId)) await this.held;
    return args.result;
  }
}

/**
 * The source cache on the ingest path: an entry lives 5 s; when it expires under load, the requests
 * that find it expired together share one read of the source (and one unsealing of its token).
 */
describe('source cache', () => {
  let t: TestDatabase;
  let database: RiposteDatabase;
  let counted: Kysely<DatabaseSchema>;
  let sourceReads = 0;
  let hold: HoldReads;
  let sources: SourceService;
  let token: string;

  beforeEach(async () => {
    t = await createTestDatabase('sqlite');
    database = openDatabase(t.url);
    await migrate(database);
    // A second connection to the same file whose queries on `sources` are counted.
    hold = new HoldReads();
    counted = new Kysely<DatabaseSchema>({
      plugins: [hold],
      dialect: new SqliteDialect({ database: new Database(t.url.slice('sqlite://'.length)) }),
      log: (event) => {
        if (event.level === 'query' && /from "sources"/.test(event.query.sql)) sourceReads++;
      },
    });
    const box = new SecretBox(loadMasterKey('33'.repeat(32), t.dataDir));
    const audit = new AuditLog(Buffer.alloc(32, 5), 'sqlite');
    // Created through Riposte's own connection; the counted one only reads.
    ({ token } = await new SourceService(database.db, box, audit, 300).create(
      { name: 'ids', format: 'suricata' },
      ACTOR,
    ));
    sources = new SourceService(counted, box, audit, 300);
    sourceReads = 0;
    mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-11-30T10:00:00Z') });
  });

  afterEach(async () => {
    mock.timers.reset();
    await counted.destroy();
    await database.close();
    await t.drop();
  });

  const authenticate = () => sources.authenticate('ids', { authorization: `Bearer ${token}` }, '{}');

  it('reads a source once for many requests, and again only after the entry expired', async () => {
    const first = await Promise.all(Array.from({ length: 50 }, authenticate));
    assert.equal(sourceReads, 1);
    assert.ok(first.every((s) => s.name === 'ids'));

    mock.timers.tick(4_000);
    await Promise.all(Array.from({ length: 50 }, authenticate));
    assert.equal(sourceReads, 1, 'still fresh');

    mock.timers.tick(1_500);
    const again = await Promise.all(Array.from({ length: 50 }, authenticate));
    assert.equal(sourceReads, 2, 'the expired entry is read again once, not once per request');
    assert.ok(again.every((s) => s.name === 'ids'));
  });

  it('a wrong token is refused from the shared read as from the cache', async () => {
    const results = await Promise.allSettled([
      authenticate(),
      sources.authenticate('ids', { authorization: 'Bearer wrong' }, '{}'),
    ]);
    assert.equal(results[0]!.status, 'fulfilled');
    assert.equal(results[1]!.status, 'rejected');
    assert.equal((results[1] as PromiseRejectedResult).reason.code, 'invalid_token');
    assert.equal(sourceReads, 1);
  });

  it('a refused request is checked again against a fresh read, at most once a second', async () => {
    await authenticate();
    assert.equal(sourceReads, 1);
    const wrong = () =>
      assert.rejects(
        sources.authenticate('ids', { authorization: 'Bearer wrong' }, '{}'),
        (e: { code?: string }) => e.code === 'invalid_token',
      );
    await wrong();
    assert.equal(sourceReads, 1, 'the copy is under a second old: refused from it');
    mock.timers.tick(1_200);
    await Promise.all([wrong(), wrong(), wrong()]);
    assert.equal(sourceReads, 2, 'one fresh read for the three, then refused');
    await wrong();
    assert.equal(sourceReads, 2, 'and none for the next within the second');
  });

  it('a deleted source is not put back in the cache by a read that was in flight', async () => {
    const { promise, resolve } = Promise.withResolvers<void>();
    hold.held = promise;
    const inFlight = authenticate();
    // The read has the row; the delete commits before it returns.
    await new Promise((r) => setImmediate(r));
    hold.held = undefined;
    await sources.delete('ids', ACTOR);
    resolve();
    assert.equal((await inFlight).name, 'ids', 'the request read the source before it was deleted');
    await assert.rejects(authenticate(), (e: { code?: string }) => e.code === 'invalid_token');
  });
});
