import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signBody } from '../../src/sources/source-service.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

/**
 * `PATCH /api/v1/sources/{name}`: a source's format, options or signature requirement change, its
 * name and token stay, so its senders need nothing new (docs/ingest.md).
 */
for (const kind of databaseKinds()) {
  describe(`changing a source on ${kind}`, () => {
    let h: Harness;
    let token: string;
    before(async () => {
      h = await startHarness(kind);
      const res = await h.as('admin', {
        method: 'POST',
        url: '/api/v1/sources',
        payload: { name: 'app-log', format: 'generic', options: { mapping: { title: 'event.msg' } } },
      });
      assert.equal(res.statusCode, 201, res.body);
      token = res.json().token as string;
    });
    after(() => h.close());

    const patch = (payload: unknown, name = 'app-log') =>
      h.as('admin', { method: 'PATCH', url: `/api/v1/sources/${name}`, payload: payload as object });
    const send = async (event: Record<string, unknown>, auth: 'bearer' | 'signed' = 'bearer') => {
      const body = JSON.stringify(event);
      return h.app.inject({
        method: 'POST',
        url: '/api/v1/sources/app-log/alerts',
        headers: {
          'content-type': 'application/json',
          ...(auth === 'bearer'
            ? { authorization: `Bearer ${token}` }
            : { 'x-riposte-signature': signBody(token, body) }),
        },
        payload: body,
      });
    };
    const titleOf = async (alertId: string) => (await h.riposte.alerts.get(alertId)).title;

    it('reads the next alerts with the new mapping, with the same token', async () => {
      const first = await send({ msg: 'disk full', kind: 'ops' });
      assert.equal(first.statusCode, 202, first.body);
      assert.equal(await titleOf(first.json().alertIds[0]), 'disk full');

      const changed = await patch({ options: { mapping: { title: '"[" + event.kind + "] " + event.msg' } } });
      assert.equal(changed.statusCode, 200, changed.body);
      assert.deepEqual(changed.json().options, { mapping: { title: '"[" + event.kind + "] " + event.msg' } });
      assert.equal(changed.json().format, 'generic');

      const second = await send({ msg: 'login storm', kind: 'auth' });
      assert.equal(second.statusCode, 202, second.body);
      assert.equal(await titleOf(second.json().alertIds[0]), '[auth] login storm');

      const audit = await h.riposte.database.db
        .selectFrom('audit_log')
        .select('details')
        .where('action', '=', 'source.update')
        .execute();
      assert.deepEqual(JSON.parse(audit.at(-1)!.details).changed, ['options']);
    });

    it('requires signatures once asked to, and stops again', async () => {
      assert.equal((await patch({ requireSignature: true })).statusCode, 200);
      const bare = await send({ msg: 'unsigned', kind: 'x' });
      assert.equal(bare.statusCode, 401, bare.body);
      assert.match(bare.body, /requires an X-Riposte-Signature/);
      assert.equal((await send({ msg: 'signed', kind: 'x' }, 'signed')).statusCode, 202);
      assert.equal((await patch({ requireSignature: false })).statusCode, 200);
      assert.equal((await send({ msg: 'bare again', kind: 'x' })).statusCode, 202);
    });

    it('changes the format, checking the options against it', async () => {
      const refused = await patch({ format: 'generic', options: {} });
      assert.equal(refused.statusCode, 400, refused.body);
      assert.match(refused.body, /options\.mapping/);
      const moved = await patch({ format: 'suricata', options: {} });
      assert.equal(moved.statusCode, 200, moved.body);
      assert.equal(moved.json().format, 'suricata');
      const back = await patch({ format: 'generic' });
      assert.equal(back.statusCode, 400, 'a generic source needs a mapping, and it no longer has one');
      assert.match(back.body, /options\.mapping/);
      assert.equal((await h.riposte.sources.get('app-log')).format, 'suricata', 'nothing half-changed');
    });

    it('names what is wrong, and changes nothing', async () => {
      const cases: [unknown, number, RegExp][] = [
        [{}, 400, /must NOT have fewer than 1 properties|name a field to change/],
        [{ colour: 'red' }, 400, /name a field to change: format, options, requireSignature/],
        [{ format: 'nope' }, 400, /format/],
        [{ options: [] }, 400, /options/],
        [{ requireSignature: 'yes' }, 400, /requireSignature/],
      ];
      for (const [payload, status, message] of cases) {
        const res = await patch(payload);
        assert.equal(res.statusCode, status, `${JSON.stringify(payload)}: ${res.body}`);
        assert.match(res.body, message);
      }
      assert.equal((await patch({ requireSignature: true }, 'no-such-source')).statusCode, 404);
      const analyst = await h.as('analyst', {
        method: 'PATCH',
        url: '/api/v1/sources/app-log',
        payload: { requireSignature: true },
      });
      assert.equal(analyst.statusCode, 403);
      assert.equal((await h.riposte.sources.get('app-log')).requireSignature, false);
    });
  });
}
