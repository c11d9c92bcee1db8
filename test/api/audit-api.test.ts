import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { AuditEntry } from '../../src/audit/audit-log.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

interface Row {
  seq: number;
  at: string;
  actor: string;
  actorType: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
}

const entry = (
  actor: string,
  action: string,
  targetId: string,
  type: 'user' | 'system' = 'user',
): AuditEntry => ({
  actor: { id: actor, type },
  action,
  targetType: 'case',
  targetId,
});

/** The audit log as the console reads it: filters, newest first, cursor pages, precise refusals. */
for (const kind of databaseKinds()) {
  describe(`audit log filters on ${kind}`, () => {
    let h: Harness;

    before(async () => {
      h = await startHarness(kind);
      const { db } = h.riposte.database;
      // Three days of activity, appended in order, each day at its own time.
      const days: [string, AuditEntry[]][] = [
        [
          '2031-03-01T10:00:00.000Z',
          [entry('mona', 'case.update', 'case_a'), entry('ivan', 'case.view', 'case_a')],
        ],
        [
          '2031-03-02T10:00:00.000Z',
          [
            entry('mona', 'response.kill_switch.engage', 'ks'),
            entry('mona', 'response.kill_switch.lift', 'ks'),
            entry('run:r1', 'response.applied', 'case_b', 'system'),
          ],
        ],
        [
          '2031-03-03T10:00:00.000Z',
          [entry('ivan', 'case.update', 'case_b'), entry('mona', 'case.view', 'case_b')],
        ],
      ];
      for (const [at, entries] of days)
        await db.transaction().execute((trx) => h.riposte.audit.append(trx, entries, at));
    });
    after(() => h.close());

    const read = async (query: string) => {
      const res = await h.as('manager', { method: 'GET', url: `/api/v1/audit?${query}` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { items: Row[]; nextCursor: string | null };
    };
    const problem = async (query: string) => {
      const res = await h.as('manager', { method: 'GET', url: `/api/v1/audit?${query}` });
      assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
      return res.json() as { code: string; path: string; detail: string };
    };
    const actions = (rows: Row[]) => rows.map((r) => `${r.actor}:${r.action}:${r.targetId}`);

    it('filters by actor, newest first', async () => {
      const page = await read('actor=mona&order=desc');
      assert.deepEqual(actions(page.items), [
        'mona:case.view:case_b',
        'mona:response.kill_switch.lift:ks',
        'mona:response.kill_switch.engage:ks',
        'mona:case.update:case_a',
      ]);
      assert.equal(page.nextCursor, null);
    });

    it('filters by exact action or an action prefix, by actor type, and by target', async () => {
      assert.deepEqual(actions((await read('action=case.update')).items), [
        'mona:case.update:case_a',
        'ivan:case.update:case_b',
      ]);
      assert.deepEqual(actions((await read('action=response.*')).items), [
        'mona:response.kill_switch.engage:ks',
        'mona:response.kill_switch.lift:ks',
        'run:r1:response.applied:case_b',
      ]);
      assert.deepEqual(actions((await read('action=response.kill_switch.*&actor=mona')).items).length, 2);
      assert.deepEqual(actions((await read('actorType=system&action=response.*')).items), [
        'run:r1:response.applied:case_b',
      ]);
      assert.deepEqual(actions((await read('targetType=case&targetId=case_b&order=desc')).items), [
        'mona:case.view:case_b',
        'ivan:case.update:case_b',
        'run:r1:response.applied:case_b',
      ]);
    });

    it('filters by a time range, inclusive, combined with other filters', async () => {
      assert.deepEqual(actions((await read('since=2031-03-02&until=2031-03-02T23:59:59Z')).items), [
        'mona:response.kill_switch.engage:ks',
        'mona:response.kill_switch.lift:ks',
        'run:r1:response.applied:case_b',
      ]);
      assert.deepEqual(actions((await read('since=2031-03-03T10:00:00Z&actor=ivan')).items), [
        'ivan:case.update:case_b',
      ]);
      assert.deepEqual((await read('since=2031-01-01&until=2031-02-28')).items, []);
    });

    it('pages through every row once with the cursor, in either order', async () => {
      for (const order of ['asc', 'desc']) {
        const seen: number[] = [];
        let cursor: string | null = null;
        do {
          const page = await read(
            `since=2031-01-01&limit=2&order=${order}${cursor ? `&cursor=${cursor}` : ''}`,
          );
          assert.ok(page.items.length <= 2);
          seen.push(...page.items.map((r) => r.seq));
          cursor = page.nextCursor;
        } while (cursor);
        assert.equal(seen.length, 7, order);
        assert.equal(new Set(seen).size, 7, `${order}: no row twice`);
        const sorted = [...seen].sort((a, b) => (order === 'asc' ? a - b : b - a));
        assert.deepEqual(seen, sorted, `${order}: in order`);
      }
      // The older afterSeq paging still works, oldest first.
      const first = (await read('since=2031-01-01&limit=1')).items[0]!;
      const next = (await read(`since=2031-01-01&limit=1&afterSeq=${first.seq}`)).items[0]!;
      assert.equal(next.seq, first.seq + 1);
    });

    it('refuses bad filters with the parameter named', async () => {
      assert.equal((await problem('limit=0')).path, 'limit');
      assert.equal((await problem('limit=5000')).path, 'limit');
      const since = await problem('since=yesterday');
      assert.equal(since.path, 'since');
      assert.match(since.detail, /ISO-8601/);
      assert.equal((await problem('since=2031-03-03&until=2031-03-01')).path, 'until');
      assert.equal((await problem('actorType=robot')).path, 'actorType');
      assert.equal((await problem('action=*')).path, 'action');
      assert.equal((await problem('order=desc&afterSeq=3')).path, 'afterSeq');
      const cursor = await problem('cursor=bm90LWEtY3Vyc29y');
      assert.equal(cursor.code, 'invalid_cursor');
      assert.equal(cursor.path, 'cursor');
      assert.equal((await problem('order=sideways')).code, 'validation_failed');
    });

    it('verifies the chain for an admin only', async () => {
      const verify = await h.as('admin', { method: 'GET', url: '/api/v1/audit/verify' });
      assert.equal(verify.json().ok, true);
      assert.ok(verify.json().checked >= 7);
      assert.equal((await h.as('manager', { method: 'GET', url: '/api/v1/audit/verify' })).statusCode, 403);
    });

    if (kind === 'sqlite')
      it('answers an actor or action filter from its index, newest first, without sorting', async () => {
        const { db } = h.riposte.database;
        for (const [column, index] of [
          ['actor', 'audit_actor'],
          ['action', 'audit_action'],
        ] as const) {
          const plan = await sql<{ detail: string }>`EXPLAIN QUERY PLAN SELECT * FROM audit_log
            WHERE ${sql.ref(column)} = 'mona' AND seq < 100 ORDER BY seq DESC LIMIT 51`.execute(db);
          const text = plan.rows.map((r) => r.detail).join(' | ');
          assert.match(text, new RegExp(`USING INDEX ${index}`), text);
          assert.doesNotMatch(text, /TEMP B-TREE/, text);
        }
      });
  });
}
