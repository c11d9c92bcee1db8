import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

/**
 * A source's alert limit (`alertLimitPerMinute`, docs/ingest.md "Alert storms"): past it a post is
 * answered 429 with Retry-After and nothing of it is stored; within it, and once lifted, posts go
 * through. Files the CLI ingests are not a source sending, and are not limited.
 */
for (const kind of databaseKinds()) {
  describe(`a source's alert limit on ${kind}`, () => {
    let h: Harness;
    let token: string;
    let sid = 5_000_000;
    before(async () => {
      h = await startHarness(kind);
      const res = await h.as('admin', {
        method: 'POST',
        url: '/api/v1/sources',
        payload: { name: 'ids', format: 'suricata', alertLimitPerMinute: 5 },
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().alertLimitPerMinute, 5);
      token = res.json().token as string;
    });
    after(() => h.close());

    /** `count` distinct alerts in one post. */
    const post = (count: number) =>
      h.app.inject({
        method: 'POST',
        url: '/api/v1/sources/ids/alerts',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: JSON.stringify(Array.from({ length: count }, () => eveAlert({ sid: sid++ }))),
      });
    const stored = async () =>
      Number(
        (
          await h.riposte.database.db
            .selectFrom('alerts')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .where('source', '=', 'ids')
            .executeTakeFirstOrThrow()
        ).n,
      );
    const patch = (payload: object) =>
      h.as('admin', { method: 'PATCH', url: '/api/v1/sources/ids', payload });

    it('answers 429 with Retry-After past the limit, storing nothing of that post', async () => {
      const first = await post(3);
      assert.equal(first.statusCode, 202, first.body);
      assert.equal(first.json().accepted, 3);

      const refused = await post(3);
      assert.equal(refused.statusCode, 429, refused.body);
      assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
      assert.equal(refused.json().code, 'source_rate_limited');
      // Two of five left; one more alert comes back every 12 s.
      assert.equal(refused.headers['retry-after'], '12');
      assert.equal(
        refused.json().detail,
        'source ids may send 5 alerts a minute and has sent them; nothing of these 3 was stored — try again in 12 s',
      );
      assert.equal(await stored(), 3);

      // What is left of the minute's allowance still goes through.
      assert.equal((await post(2)).statusCode, 202);
      assert.equal(await stored(), 5);
      assert.equal((await post(1)).statusCode, 429);

      const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /^riposte_source_limited_total\{source="ids"\} 2$/m);
      assert.match(metrics.body, /^riposte_source_limited_alerts_total\{source="ids"\} 4$/m);
    });

    it('does not limit a file the CLI ingests for the source', async () => {
      const source = await h.riposte.sources.get('ids');
      const result = await h.riposte.ingest.ingest(
        source,
        JSON.stringify([eveAlert({ sid: sid++ }), eveAlert({ sid: sid++ })]),
        'application/json',
        { id: 'cli:alerts.json', type: 'cli' },
      );
      assert.equal(result.accepted, 2);
      assert.equal((await post(1)).statusCode, 429);
    });

    it('lifts the limit, and lets a batch larger than a minute through when the allowance is whole', async () => {
      const lifted = await patch({ alertLimitPerMinute: null });
      assert.equal(lifted.statusCode, 200, lifted.body);
      assert.equal(lifted.json().alertLimitPerMinute, null);
      assert.equal((await post(20)).statusCode, 202);

      const set = await patch({ alertLimitPerMinute: 100 });
      assert.equal(set.json().alertLimitPerMinute, 100);
      const before = await stored();
      const large = await post(300);
      assert.equal(large.statusCode, 202, large.body);
      assert.equal(await stored(), before + 300);
      // 200 alerts in debt and one more: 201 at 100 a minute.
      const next = await post(1);
      assert.equal(next.statusCode, 429);
      assert.equal(next.headers['retry-after'], '121');

      const audit = await h.riposte.database.db
        .selectFrom('audit_log')
        .select('details')
        .where('action', '=', 'source.update')
        .orderBy('seq')
        .execute();
      assert.deepEqual(
        audit.map((row) => JSON.parse(row.details).alertLimitPerMinute),
        [null, 100],
      );
    });

    it('refuses a limit that is not a whole number of alerts from 1, naming the field', async () => {
      for (const value of [0, -5, 2.5, 100_000_001]) {
        const res = await patch({ alertLimitPerMinute: value });
        assert.equal(res.statusCode, 400, `${value}: ${res.body}`);
        assert.match(res.body, /alertLimitPerMinute/, String(value));
      }
      const created = await h.as('admin', {
        method: 'POST',
        url: '/api/v1/sources',
        payload: { name: 'edr', format: 'crowdstrike', alertLimitPerMinute: 0 },
      });
      assert.equal(created.statusCode, 400, created.body);
      assert.equal(created.json().path, '/alertLimitPerMinute');
      assert.equal((await h.riposte.sources.list()).filter((s) => s.name === 'edr').length, 0);
      assert.equal((await h.riposte.sources.get('ids')).alertLimitPerMinute, 100);
    });
  });
}
