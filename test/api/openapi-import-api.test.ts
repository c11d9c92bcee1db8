import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import {
  startFakeTicketing,
  TICKETING_KEY,
  TICKETING_SPEC,
  type FakeTicketing,
} from '../../src/integrations/openapi/fake-ticketing.ts';
import { openRiposte } from '../../src/riposte.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const call = {
  idempotencyKey: 'k',
  attempt: 1,
  runId: 'run_x',
  stepKey: 's',
  signal: new AbortController().signal,
};

for (const kind of databaseKinds()) {
  describe(`OpenAPI import through the API on ${kind}`, () => {
    let h: Harness;
    let fake: FakeTicketing;
    const post = (payload: object, role: 'admin' | 'analyst' = 'admin') =>
      h.as(role, { method: 'POST', url: '/api/v1/integrations/openapi', payload });

    before(async () => {
      fake = await startFakeTicketing();
      h = await startHarness(kind, { outboundAllow: ['127.0.0.1'] });
    });
    after(async () => {
      await h.close();
      await fake.close();
    });

    it('imports a YAML description: 201 with the manifest, actions registered at once', async () => {
      const res = await post({ id: 'ticketing', spec: TICKETING_SPEC });
      assert.equal(res.statusCode, 201, res.body);
      const manifest = res.json() as {
        id: string;
        actions: { id: string; effect: string }[];
        warnings: unknown[];
      };
      assert.equal(manifest.id, 'ticketing');
      assert.deepEqual(manifest.warnings, []);
      assert.ok(manifest.actions.some((a) => a.id === 'ticketing.get_ticket' && a.effect === 'read'));
      assert.ok(h.riposte.actions.get('ticketing.delete_ticket'));
      const listed = await h.as('viewer', { method: 'GET', url: '/api/v1/integrations/ticketing' });
      assert.equal(listed.statusCode, 200);
      assert.deepEqual(
        (listed.json().credentials as { name: string }[]).map((c) => c.name),
        ['api_key'],
      );
    });

    it('runs an imported action against the configured instance', async () => {
      const put = await h.as('admin', {
        method: 'PUT',
        url: '/api/v1/integrations/ticketing/instances/prod',
        payload: { fields: { api_key: TICKETING_KEY, base_url: fake.baseUrl } },
      });
      assert.equal(put.statusCode, 200, put.body);
      const out = await h.riposte.actions.get('ticketing.get_ticket')!.run({ ticket_id: 'T-1' }, call);
      assert.deepEqual((out as { status: number }).status, 200);
      assert.equal(fake.requests.at(-1)!.headers['x-api-key'], TICKETING_KEY);
    });

    it('answers 422 with every problem, each at a JSON pointer', async () => {
      const res = await post({
        id: 'broken',
        spec: {
          openapi: '3.1.0',
          info: { title: 'B' },
          paths: { '/x/{id}': { get: { 'x-riposte-effect': 'maybe' } } },
        },
      });
      assert.equal(res.statusCode, 422, res.body);
      const problem = res.json() as { code: string; errors: { pointer: string }[] };
      assert.equal(problem.code, 'invalid_openapi');
      assert.deepEqual(problem.errors.map((e) => e.pointer).sort(), [
        '/info/version',
        '/paths/~1x~1{id}/get/parameters',
        '/paths/~1x~1{id}/get/x-riposte-effect',
      ]);
      assert.equal(h.riposte.actions.get('broken.get_x_id'), undefined);
    });

    it('refuses an id already taken, and non-admins', async () => {
      assert.equal((await post({ id: 'ticketing', spec: TICKETING_SPEC })).statusCode, 409);
      assert.equal((await post({ id: 'other', spec: TICKETING_SPEC }, 'analyst')).statusCode, 403);
      assert.equal((await post({ id: 'Bad Id', spec: TICKETING_SPEC })).statusCode, 400);
    });

    it('records the import in the audit log', async () => {
      const rows = await h.riposte.database.db
        .selectFrom('audit_log')
        .select(['target_id', 'details'])
        .where('action', '=', 'integration.openapi.import')
        .execute();
      assert.deepEqual(
        rows.map((r) => r.target_id),
        ['ticketing'],
      );
    });

    it('registers stored descriptions when Riposte starts again', async () => {
      const again = await openRiposte(
        loadConfig({}, { dataDir: h.db.dataDir, databaseUrl: h.db.url, logLevel: 'silent' }),
      );
      try {
        assert.equal(again.integrations.get('ticketing').name, 'Ticketing');
        assert.ok(again.actions.get('ticketing.list_tickets'));
      } finally {
        await again.close();
      }
    });
  });
}
