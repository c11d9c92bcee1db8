import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { ActionError } from '../../src/core/action.ts';
import type { FakeServer } from '../../src/integrations/sdk/fake-server.ts';
import { defineAction, defineIntegration } from '../../src/integrations/sdk/integration.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { startTestIntel, testIntel } from '../support/test-intel.ts';
import { databaseKinds } from '../support/test-databases.ts';

const KEY = 'health-key-83be19c4';
const LEAKED = 'leaky-token-5d21f0';

/** A vendor whose error messages repeat the credential it was given: the stored health must not. */
const leaky = defineIntegration({
  id: 'leaky',
  name: 'Leaky vendor',
  version: '1.0.0',
  categories: ['testing'],
  docs: 'https://example.invalid',
  baseUrl: 'https://leaky.example.invalid',
  credentials: [{ name: 'token', label: 'Token', secret: true, required: true }],
  auth: { kind: 'none' },
  testConnection: async ({ fields }) => {
    throw new ActionError('unauthorized', `token ${fields['token']} was refused`, { retryable: false });
  },
  actions: [
    defineAction({
      name: 'poke',
      title: 'Poke',
      description: 'Fails, naming its token.',
      effect: 'read',
      retry: null,
      input: Type.Object({}),
      run: async (_input, { fields }) => {
        throw new ActionError('unauthorized', `token ${fields['token']} was refused`, { retryable: false });
      },
    }),
  ],
});

const LOOKUP = (instance: string) => `
id: lookup_${instance}
name: Lookup through ${instance}
triggers: { manual: true }
steps:
  - id: rep
    uses: testintel.lookup_ip
    with: { ip: 198.51.100.7, instance: ${instance} }
`;

interface InstanceView {
  integration: string;
  name: string;
  secrets: Record<string, string>;
  lastTest: { at: string; ok: boolean; error: string | null } | null;
  lastAction: { action: string; at: string; ok: boolean; error: string | null } | null;
}

/** Integration instances: write-only secrets that survive an edit, and health from tests and actions. */
for (const kind of databaseKinds()) {
  describe(`integration health on ${kind}`, () => {
    let h: Harness;
    let fake: FakeServer;

    before(async () => {
      fake = await startTestIntel({ '198.51.100.7': 12 }, KEY);
      h = await startHarness(
        kind,
        { outboundAllow: ['127.0.0.1'] },
        {
          worker: true,
          setup: (r) => {
            r.addIntegration(testIntel);
            r.addIntegration(leaky);
          },
        },
      );
      for (const source of [LOOKUP('prod'), LOOKUP('broken')]) {
        const res = await h.as('analyst', { method: 'POST', url: '/api/v1/playbooks', payload: { source } });
        assert.equal(res.statusCode, 201, res.body);
      }
    });
    after(async () => {
      await h.close();
      await fake.close();
    });

    const put = (name: string, body: unknown, integration = 'testintel') =>
      h.as('admin', {
        method: 'PUT',
        url: `/api/v1/integrations/${integration}/instances/${name}`,
        payload: body as object,
      });
    const test = (name: string, integration = 'testintel') =>
      h.as('analyst', {
        method: 'POST',
        url: `/api/v1/integrations/${integration}/instances/${name}/test`,
      });
    const instances = async () => {
      const res = await h.as('viewer', { method: 'GET', url: '/api/v1/integration-instances' });
      assert.equal(res.statusCode, 200, res.body);
      assert.doesNotMatch(res.body, new RegExp(`${KEY}|${LEAKED}`), 'no secret value in the answer');
      return res.json().items as InstanceView[];
    };
    const one = async (integration: string, name: string) =>
      (await instances()).find((i) => i.integration === integration && i.name === name)!;
    const runToEnd = async (playbookId: string) => {
      const id = (
        await h.as('analyst', { method: 'POST', url: '/api/v1/runs', payload: { playbookId } })
      ).json().id as string;
      for (let i = 0; i < 200; i++) {
        const run = await h.riposte.runs.get(id);
        if (['succeeded', 'failed'].includes(run.status)) return run;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`run ${id} did not finish`);
    };

    it('lists every instance with its secrets as set, never their values, and no health yet', async () => {
      assert.equal((await put('prod', { fields: { api_key: KEY, base_url: fake.url } })).statusCode, 200);
      const prod = await one('testintel', 'prod');
      assert.deepEqual(prod.secrets, { api_key: 'set' });
      assert.equal(prod.lastTest, null);
      assert.equal(prod.lastAction, null);
    });

    it('keeps a stored secret when an edit leaves it empty, and clears it only when asked', async () => {
      const edited = await put('prod', { fields: { api_key: '', base_url: fake.url } });
      assert.equal(edited.statusCode, 200, edited.body);
      assert.deepEqual(edited.json().secrets, { api_key: 'set' });
      const tested = await test('prod');
      assert.equal(tested.json().ok, true, 'the kept key still authenticates');
      const cleared = await put('prod', { clearSecrets: ['api_key'], fields: {} });
      assert.equal(cleared.statusCode, 400, 'api_key is required: it cannot be cleared');
      assert.equal(cleared.json().path, '/fields/api_key');
      const notSecret = await put('prod', { clearSecrets: ['base_url'] });
      assert.equal(notSecret.statusCode, 400);
      assert.equal(notSecret.json().path, '/clearSecrets/0');
      assert.match(notSecret.json().detail, /no secret field "base_url"; its secret fields are api_key/);
      const notList = await put('prod', { clearSecrets: 'api_key' });
      assert.equal(notList.json().path, '/clearSecrets');
      const badDefault = await put('prod', { isDefault: 'yes' });
      assert.equal(badDefault.json().path, '/isDefault');
      // A replaced key is used from then on.
      assert.equal((await put('prod', { fields: { api_key: 'replaced-key-0' } })).statusCode, 200);
      assert.equal((await test('prod')).json().ok, false);
      assert.equal((await put('prod', { fields: { api_key: KEY } })).statusCode, 200);
    });

    it('records the last connection test, ok or with its error', async () => {
      assert.equal((await test('prod')).json().ok, true);
      const good = await one('testintel', 'prod');
      assert.equal(good.lastTest?.ok, true);
      assert.equal(good.lastTest?.error, null);
      await put('broken', { fields: { api_key: 'wrong-key-1', base_url: fake.url } });
      const bad = await test('broken');
      assert.equal(bad.json().ok, false);
      const broken = await one('testintel', 'broken');
      assert.equal(broken.lastTest?.ok, false);
      assert.match(broken.lastTest?.error ?? '', /401/);
      assert.doesNotMatch(broken.lastTest?.error ?? '', /wrong-key-1/);
    });

    it("records each instance's last action outcome", async () => {
      assert.equal((await runToEnd('lookup_prod')).status, 'succeeded');
      const prod = await one('testintel', 'prod');
      assert.equal(prod.lastAction?.action, 'testintel.lookup_ip');
      assert.equal(prod.lastAction?.ok, true);
      assert.ok(Date.parse(prod.lastAction!.at) > Date.now() - 60_000);
      assert.equal((await runToEnd('lookup_broken')).status, 'failed');
      const broken = await one('testintel', 'broken');
      assert.equal(broken.lastAction?.ok, false);
      assert.match(broken.lastAction?.error ?? '', /401/);
      assert.equal((await one('testintel', 'prod')).lastAction?.ok, true, 'the other instance is unaffected');
    });

    it('stores and answers test and action errors without the credential, even when the vendor repeats it', async () => {
      assert.equal((await put('main', { fields: { token: LEAKED } }, 'leaky')).statusCode, 200);
      const tested = await test('main', 'leaky');
      assert.equal(tested.json().ok, false);
      assert.match(tested.json().error, /token \*\*\* was refused/);
      assert.doesNotMatch(tested.body, new RegExp(LEAKED));
      const poke = `
id: poke
name: Poke
triggers: { manual: true }
steps:
  - id: poke
    uses: leaky.poke
`;
      await h.as('analyst', { method: 'POST', url: '/api/v1/playbooks', payload: { source: poke } });
      await runToEnd('poke');
      const main = await one('leaky', 'main');
      assert.match(main.lastTest?.error ?? '', /token \*\*\* was refused/);
      assert.equal(main.lastAction?.ok, false);
      assert.match(main.lastAction?.error ?? '', /token \*\*\* was refused/);
      const stored = await h.riposte.database.db.selectFrom('integration_instances').selectAll().execute();
      assert.doesNotMatch(JSON.stringify(stored), new RegExp(LEAKED));
    });
  });
}
