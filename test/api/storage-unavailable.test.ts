import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { storageTrouble } from '../../src/store/storage-errors.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const ACTOR = { id: 'test', type: 'system' as const };

async function counts(h: Harness): Promise<{ alerts: number; cases: number; audit: number }> {
  const n = async (table: 'alerts' | 'cases' | 'audit_log') =>
    Number(
      (
        await h.riposte.database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { alerts: await n('alerts'), cases: await n('cases'), audit: await n('audit_log') };
}

/** Alerts to the source "lab" with its token. */
function post(h: Harness, token: string, body: unknown) {
  return h.app.inject({
    method: 'POST',
    url: '/api/v1/sources/lab/alerts',
    payload: JSON.stringify(body),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  });
}

function assertUnavailable(res: { statusCode: number; body: string; headers: Record<string, unknown> }) {
  assert.equal(res.statusCode, 503, res.body);
  assert.match(String(res.headers['content-type']), /application\/problem\+json/);
  const problem = JSON.parse(res.body) as { code: string; detail: string };
  assert.equal(problem.code, 'storage_unavailable');
  assert.match(problem.detail, /nothing of this request was stored/);
  assert.ok(Number(res.headers['retry-after']) > 0, 'Retry-After says when to try again');
  return problem;
}

/**
 * A database that cannot take a write — full, read-only, out of reach — is the server's problem, not
 * the sender's: 503 `storage_unavailable` with Retry-After, nothing half-written, and the server
 * takes writes again as soon as the database does.
 */
describe('storage unavailable (sqlite: the database is full)', () => {
  let h: Harness;
  let token = '';
  before(async () => {
    h = await startHarness('sqlite');
    token = (await h.riposte.sources.create({ name: 'lab', format: 'suricata', options: {} }, ACTOR)).token;
  });
  after(() => h.close());

  const ingest = (body: unknown) => post(h, token, body);

  it('answers 503 with Retry-After, stores nothing, and takes alerts again once there is room', async () => {
    assert.equal((await ingest(eveAlert({ sid: 1 }))).statusCode, 202);
    const { db } = h.riposte.database;
    const pages = Number(
      (await sql<{ page_count: number }>`PRAGMA page_count`.execute(db)).rows[0]!.page_count,
    );
    // The file may not grow past what it holds now ("database or disk is full", as on a full disk):
    // bodies are taken while its free pages last, then refused.
    await sql.raw(`PRAGMA max_page_count = ${pages}`).execute(db);
    let next = 1000;
    const body = () =>
      Array.from({ length: 200 }, () => {
        const n = next++;
        return eveAlert({ sid: n, srcIp: `10.9.${(n >> 8) & 255}.${n & 255}` });
      });
    try {
      let before = await counts(h);
      let refused: Awaited<ReturnType<typeof ingest>> | undefined;
      for (let tries = 0; tries < 100 && !refused; tries++) {
        const res = await ingest(body());
        if (res.statusCode === 202) before = await counts(h);
        else refused = res;
      }
      assert.ok(refused, 'the database filled up');
      const problem = assertUnavailable(refused);
      assert.match(problem.detail, /is full \(SQLITE_FULL/);
      assert.deepEqual(await counts(h), before, 'nothing half-written');
      const singles = await Promise.all(
        Array.from({ length: 5 }, (_, i) => ingest(eveAlert({ sid: 900_000 + i, srcIp: `10.8.0.${i}` }))),
      );
      for (const res of singles) if (res.statusCode !== 202) assertUnavailable(res);
    } finally {
      await sql.raw('PRAGMA max_page_count = 4294967294').execute(db);
    }
    const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
    const counted = /riposte_storage_unavailable_total\{reason="full"\} (\d+)/.exec(metrics.body);
    assert.ok(counted && Number(counted[1]) >= 1, 'the metric counts the 503s by reason');
    const again = await ingest(body());
    assert.equal(again.statusCode, 202, again.body);
    assert.equal(again.json().accepted, 200);
    assert.equal((await h.riposte.audit.verify(db)).ok, true);
  });
});

for (const kind of databaseKinds().filter((k) => k === 'postgres')) {
  describe(`storage unavailable (${kind}: read-only, then out of reach)`, () => {
    let h: Harness;
    let token = '';
    let admin: pg.Client;
    let name = '';
    before(async () => {
      h = await startHarness(kind);
      token = (await h.riposte.sources.create({ name: 'lab', format: 'suricata', options: {} }, ACTOR)).token;
      name = new URL(h.db.url).pathname.slice(1);
      admin = new pg.Client({ connectionString: process.env.RIPOSTE_TEST_POSTGRES_URL });
      await admin.connect();
    });
    after(async () => {
      await admin.end();
      await h.close();
    });

    const ingest = (body: unknown) => post(h, token, body);
    /**
     * Sends again while the answer is a pooled connection the drop ended: the pool replaces each one
     * as a query meets it, and several may still be waiting there.
     */
    const pastDroppedConnections = async (send: () => ReturnType<typeof ingest>) => {
      let res = await send();
      for (let i = 0; i < 10 && res.statusCode === 503 && /out of reach/.test(res.body); i++)
        res = await send();
      return res;
    };
    /** Ends the server's connections to the database, as a restart or a failover does. */
    const dropConnections = () =>
      admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [name],
      );

    it('a read-only database (a standby after failover): 503, nothing stored, then writes again', async () => {
      assert.equal((await ingest(eveAlert({ sid: 1 }))).statusCode, 202);
      const before = await counts(h);
      await admin.query(`ALTER DATABASE "${name}" SET default_transaction_read_only = on`);
      await dropConnections();
      try {
        const res = await pastDroppedConnections(() => ingest(eveAlert({ sid: 2 })));
        const problem = assertUnavailable(res);
        assert.match(problem.detail, /read-only/);
        const patch = await h.as('analyst', {
          method: 'PATCH',
          url: `/api/v1/cases/${(await h.riposte.cases.list({})).items[0]!.id}`,
          payload: { status: 'closed', resolution: 'benign_positive' },
        });
        assertUnavailable(patch);
        assert.deepEqual(await counts(h), before, 'nothing half-written');
      } finally {
        await admin.query(`ALTER DATABASE "${name}" RESET default_transaction_read_only`);
        await dropConnections();
      }
      const again = await pastDroppedConnections(() => ingest(eveAlert({ sid: 2 })));
      assert.equal(again.statusCode, 202, again.body);
    });

    it('a connection dropped between two statements fails that transaction, not the process', async () => {
      const { db } = h.riposte.database;
      const failed = await db
        .transaction()
        .execute(async (trx) => {
          const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx);
          await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
          // The connection's 'error' arrives while it is checked out and no statement runs on it.
          await new Promise((resolve) => setTimeout(resolve, 300));
          await sql`SELECT 1`.execute(trx);
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      assert.ok(storageTrouble(failed), `a storage error, got ${String(failed)}`);
      const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(db);
      assert.equal(rows[0]!.one, 1, 'the pool answers with a new connection');
    });

    it('/healthz says 503 while the database is out of reach', async () => {
      await admin.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
      await dropConnections();
      try {
        const health = await h.app.inject({ method: 'GET', url: '/healthz' });
        assertUnavailable(health);
        assertUnavailable(await ingest(eveAlert({ sid: 3 })));
      } finally {
        await admin.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
      }
      const health = await h.app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(health.statusCode, 200, health.body);
    });
  });
}
