import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

/**
 * Text a database cannot keep as sent: PostgreSQL refuses a NUL character, and both databases keep an
 * unpaired UTF-16 surrogate (JSON's `"\ud800"`) as U+FFFD. The API refuses such text where a person
 * typed it, naming the field; an alert keeps it as U+FFFD; and the audit chain still verifies after
 * either, whoever sent it.
 */
for (const kind of databaseKinds()) {
  describe(`text the database cannot keep, on ${kind}`, () => {
    let h: Harness;
    let token = '';
    before(async () => {
      h = await startHarness(kind, { rateLimitPerMinute: 0 });
      token = (
        await h.riposte.sources.create({ name: 'lab', format: 'suricata' }, { id: 't', type: 'system' })
      ).token;
    });
    after(() => h.close());

    const verified = async () => assert.equal((await h.riposte.audit.verify(h.riposte.database.db)).ok, true);

    it('refuses it in a body, a query or a path with 400 naming the field', async () => {
      const cases: [string, Parameters<Harness['as']>[1], string, string][] = [
        [
          'a NUL in a body',
          {
            method: 'POST',
            url: '/api/v1/users',
            payload: { username: 'eve\u0000', role: 'viewer', password: 'a long enough password' },
          },
          '/username',
          'body/username holds a NUL character (U+0000)',
        ],
        [
          'an unpaired surrogate deep in a body',
          { method: 'POST', url: '/api/v1/views', payload: { name: 'x', page: 'alerts', query: 'q=\ud800' } },
          '/query',
          'body/query holds an unpaired UTF-16 surrogate',
        ],
        [
          'a NUL in a query',
          { method: 'GET', url: '/api/v1/cases?q=a%00b' },
          'querystring/q',
          'querystring/q holds a NUL character',
        ],
        [
          'a NUL in a path',
          { method: 'GET', url: '/api/v1/sources/lab%00' },
          'params/name',
          'params/name holds a NUL character',
        ],
      ];
      for (const [what, request, path, detail] of cases) {
        const res = await h.as('admin', request);
        assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
        const problem = res.json();
        assert.equal(problem.code, 'validation_failed', what);
        assert.equal(problem.path, path, what);
        assert.ok(problem.detail.startsWith(detail), `${what}: ${problem.detail}`);
      }
      const ingest = await h.app.inject({
        method: 'POST',
        url: '/api/v1/sources/lab%00/alerts',
        payload: JSON.stringify(eveAlert()),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      });
      assert.equal(ingest.statusCode, 400, ingest.body);
      await verified();
    });

    it('keeps the audit chain verifiable when a refused login names a user it cuts inside a pair', async () => {
      // The failed login's actor is the username cut to 128 UTF-16 units: here the cut falls inside 🙂.
      const res = await h.app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { username: `${'a'.repeat(127)}🙂`, password: 'not the password at all' },
      });
      assert.equal(res.statusCode, 401, res.body);
      await verified();
    });

    it('stores an alert whose fields hold either as U+FFFD, and knows it again when it is sent again', async () => {
      const alert = eveAlert({ sid: 90_001, signature: 'ET nul\u0000 and lone\ud800 signature' }) as Record<
        string,
        unknown
      >;
      alert['http'] = { hostname: 'bad\u0000host.example.com', url: '/a\ud800b' };
      const send = () =>
        h.app.inject({
          method: 'POST',
          url: '/api/v1/sources/lab/alerts',
          payload: JSON.stringify(alert),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        });
      const first = await send();
      assert.equal(first.statusCode, 202, first.body);
      assert.equal(first.json().accepted, 1);
      const stored = await h.riposte.alerts.get(first.json().alertIds[0]);
      assert.equal(stored.title, 'ET nul\ufffd and lone\ufffd signature');
      assert.equal(stored.rule?.name, 'ET nul\ufffd and lone\ufffd signature');
      for (const o of stored.observables)
        assert.ok(o.value.isWellFormed() && !o.value.includes('\u0000'), o.value);
      const again = await send();
      assert.equal(again.statusCode, 202, again.body);
      assert.equal(again.json().duplicates, 1, 'the same record is a duplicate, not a second alert');
      await verified();
    });

    it('stores a NUL that reaches the database another way (a playbook writing a vendor answer)', async () => {
      const alertId = (
        await h.app.inject({
          method: 'POST',
          url: '/api/v1/sources/lab/alerts',
          payload: JSON.stringify(eveAlert({ sid: 90_002 })),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        })
      ).json().alertIds[0];
      const caseId = (await h.riposte.alerts.get(alertId)).caseId!;
      const comment = await h.riposte.cases.comment(caseId, 'vendor said: a\u0000b', {
        id: 'playbook:x',
        type: 'system',
      });
      const stored = (
        await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${caseId}/comments` })
      ).json();
      const body = stored.items.find((c: { id: string }) => c.id === comment.id).body;
      // SQLite keeps the NUL; PostgreSQL cannot, and gets U+FFFD rather than failing the statement.
      assert.equal(body, kind === 'postgres' ? 'vendor said: a\ufffdb' : 'vendor said: a\u0000b');
      await verified();
    });
  });
}
