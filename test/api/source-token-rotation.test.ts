import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Riposte } from '../../src/riposte.ts';
import { resealAll } from '../../src/secrets/key-rotation.ts';
import { generateMasterKey } from '../../src/security/master-key.ts';
import { SecretBox } from '../../src/security/secret-box.ts';
import { signBody } from '../../src/sources/source-service.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { openAnotherProcess, startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const ACTOR = { id: 'test', type: 'system' as const };

/**
 * A source's token replaced (`POST /api/v1/sources/{name}/rotate-token`): at once, or with the old one
 * still accepted for a grace period, by bearer and by signature alike (docs/ingest.md).
 */
for (const kind of databaseKinds()) {
  describe(`rotating a source's token on ${kind}`, () => {
    let h: Harness;
    let sid = 5_100_000;
    before(async () => {
      h = await startHarness(kind);
    });
    after(() => h.close());

    const create = async (name: string) => {
      const res = await h.as('admin', {
        method: 'POST',
        url: '/api/v1/sources',
        payload: { name, format: 'suricata' },
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().token as string;
    };
    const rotate = (name: string, payload?: Record<string, unknown>) =>
      h.as('admin', {
        method: 'POST',
        url: `/api/v1/sources/${name}/rotate-token`,
        ...(payload === undefined ? {} : { payload }),
      });
    const body = () => JSON.stringify(eveAlert({ sid: sid++, srcIp: '10.77.0.1' }));
    /** The status of one alert posted with the token as bearer, and one signed with it. */
    const post = async (name: string, token: string, app = h.app) => {
      const bearer = await app.inject({
        method: 'POST',
        url: `/api/v1/sources/${name}/alerts`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: body(),
      });
      const signedBody = body();
      const signed = await app.inject({
        method: 'POST',
        url: `/api/v1/sources/${name}/alerts`,
        headers: { 'x-riposte-signature': signBody(token, signedBody), 'content-type': 'application/json' },
        payload: signedBody,
      });
      return [bearer.statusCode, signed.statusCode];
    };

    it('with a grace period, takes the old token and the new one until it ends; a second rotation drops the first', async () => {
      const first = await create('edge-sensor');
      assert.deepEqual(await post('edge-sensor', first), [202, 202]);

      const before = Date.now();
      const rotated = await rotate('edge-sensor', { graceSeconds: 3600 });
      assert.equal(rotated.statusCode, 200, rotated.body);
      const second = rotated.json().token as string;
      assert.match(second, /^rps_/);
      assert.notEqual(second, first);
      const until = Date.parse(rotated.json().previousTokenValidUntil as string);
      assert.ok(Math.abs(until - before - 3_600_000) < 10_000, `the old token holds until ${until}`);
      assert.ok(Date.parse(rotated.json().tokenRotatedAt as string) >= before - 1_000);

      assert.deepEqual(await post('edge-sensor', first), [202, 202], 'the old token, in its grace');
      assert.deepEqual(await post('edge-sensor', second), [202, 202], 'the new token');
      const listed = await h.as('viewer', { method: 'GET', url: '/api/v1/sources' });
      assert.equal(listed.statusCode, 403, 'sources are listed to analysts and above');
      const sources = (await h.as('analyst', { method: 'GET', url: '/api/v1/sources' })).json().items as {
        name: string;
        previousTokenValidUntil: string | null;
      }[];
      assert.equal(
        sources.find((s) => s.name === 'edge-sensor')?.previousTokenValidUntil,
        rotated.json().previousTokenValidUntil,
      );

      // No grace this time: the token just replaced stops, and the first one, replaced before, too.
      const again = await rotate('edge-sensor', {});
      assert.equal(again.statusCode, 200, again.body);
      const third = again.json().token as string;
      assert.deepEqual(await post('edge-sensor', second), [401, 401]);
      assert.deepEqual(await post('edge-sensor', first), [401, 401]);
      assert.deepEqual(await post('edge-sensor', third), [202, 202]);

      const audit = await h.riposte.database.db
        .selectFrom('audit_log')
        .select(['action', 'target_id', 'details'])
        .where('action', '=', 'source.rotate_token')
        .orderBy('seq')
        .execute();
      assert.deepEqual(
        audit.map((a) => [a.target_id, JSON.parse(a.details).graceSeconds]),
        [
          ['edge-sensor', 3600],
          ['edge-sensor', 0],
        ],
      );
    });

    it('ends the grace to the second, even while the source is cached', async () => {
      const old = await create('short-grace');
      const fresh = (await rotate('short-grace', { graceSeconds: 1 })).json().token as string;
      const rotatedAt = Date.now();
      const [bearer] = await post('short-grace', old);
      if (Date.now() - rotatedAt < 900) assert.equal(bearer, 202, 'within its second');
      let refused = false;
      for (let i = 0; i < 60 && !refused; i++) {
        await new Promise((r) => setTimeout(r, 50));
        refused = (await post('short-grace', old)).every((status) => status === 401);
      }
      assert.ok(refused, 'the old token is refused once its second is over');
      // Not before its second (less the few ms between the server's rotation and this process's clock read).
      assert.ok(Date.now() - rotatedAt >= 950, 'not before');
      assert.deepEqual(await post('short-grace', fresh), [202, 202]);
    });

    it('another process takes the new token at once, and stops taking the replaced one within its cache’s five seconds', async () => {
      const old = await create('shared-sensor');
      const other: Riposte = await openAnotherProcess(h);
      // Both share this thread: the other's start-up grouping pass must be over before this one writes,
      // or SQLite's busy wait for the write lock would block the thread that holds it.
      await other.grouping.drain();
      try {
        const ingestThere = (token: string) =>
          other.sources.authenticate('shared-sensor', { authorization: `Bearer ${token}` }, '{}').then(
            () => 202,
            (error: { code?: string }) => (error.code === 'invalid_token' ? 401 : 500),
          );
        assert.equal(await ingestThere(old), 202, 'cached there');
        const rotated = await rotate('shared-sensor');
        assert.equal(rotated.statusCode, 200, `no body: a rotation without grace; ${rotated.body}`);
        const fresh = rotated.json().token as string;
        const rotatedAt = Date.now();
        // The new token works there at once: refused by its cached copy, the request is checked
        // against a fresh read (the copy is over a second old by now, or soon).
        await new Promise((r) => setTimeout(r, 1_000));
        assert.equal(await ingestThere(fresh), 202, 'the new token, before the cache expired');
        let status = 202;
        while (status === 202 && Date.now() - rotatedAt < 7_000) {
          await new Promise((r) => setTimeout(r, 100));
          status = await ingestThere(old);
        }
        assert.equal(status, 401, `refused there ${Date.now() - rotatedAt} ms after the rotation`);
        assert.ok(Date.now() - rotatedAt <= 6_000);
        assert.equal(await ingestThere(fresh), 202);
      } finally {
        await other.close();
      }
    });

    it('names what is wrong: an unknown source, a grace out of range', async () => {
      const missing = await rotate('no-such-source', { graceSeconds: 60 });
      assert.equal(missing.statusCode, 404);
      assert.match(missing.headers['content-type'] as string, /application\/problem\+json/);
      await create('bad-grace');
      for (const graceSeconds of [-1, 604_801, 1.5, 'an hour']) {
        const res = await rotate('bad-grace', { graceSeconds });
        assert.equal(res.statusCode, 400, `${JSON.stringify(graceSeconds)}: ${res.body}`);
        assert.match(res.body, /graceSeconds/);
      }
      const direct = await h.riposte.sources
        .rotateToken('bad-grace', { graceSeconds: 604_801 }, ACTOR)
        .catch((error: Error) => error);
      assert.match(String(direct), /graceSeconds must be a whole number of seconds from 0 to 604800/);
    });

    it('a master key rotation re-seals the token in its grace too', async () => {
      await create('resealed');
      await rotate('resealed', { graceSeconds: 600 });
      const next = generateMasterKey();
      const result = await resealAll(h.riposte.database.db, h.riposte.box, next, h.riposte.audit, ACTOR);
      const row = await h.riposte.database.db
        .selectFrom('sources')
        .select(['token_enc', 'previous_token_enc'])
        .where('name', '=', 'resealed')
        .executeTakeFirstOrThrow();
      assert.equal(SecretBox.keyIdOf(row.token_enc), next.id);
      assert.equal(SecretBox.keyIdOf(row.previous_token_enc!), next.id);
      const sources = await h.riposte.database.db
        .selectFrom('sources')
        .select('previous_token_enc')
        .execute();
      const graced = sources.filter((s) => s.previous_token_enc !== null).length;
      assert.equal(result.resealed.sources, sources.length + graced, 'every token and every token in grace');
    });
  });
}
