import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FakeServer } from '../../src/integrations/sdk/fake-server.ts';
import { buildServer } from '../../src/server/app.ts';
import type { InjectOptions } from 'fastify';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { startTestIntel, testIntel } from '../support/test-intel.ts';
import { databaseKinds } from '../support/test-databases.ts';

const KEY = 'intel-key-5c8e1f0a9b';
const ACTOR = { id: 't', type: 'system' as const };

const ENRICH = `
id: enrich_ips
name: Enrich source IPs
triggers:
  alert: \${{ alert.rule.id == "8800" }}
steps:
  - id: each
    for_each: \${{ alert.observables.filter(o, o.type == "ipv4") }}
    concurrency: 2
    do:
      - id: rep
        uses: testintel.lookup_ip
        with:
          ip: \${{ item.value }}
`;

for (const kind of databaseKinds()) {
  describe(`integrations on ${kind}`, () => {
    let h: Harness;
    let fake: FakeServer;
    let source: string;

    before(async () => {
      fake = await startTestIntel({ '198.51.100.66': 91, '10.88.1.2': 3 }, KEY);
      h = await startHarness(
        kind,
        { outboundAllow: ['127.0.0.1'], logLevel: 'silent' },
        { worker: true, setup: (riposte) => riposte.addIntegration(testIntel) },
      );
      source = (await h.riposte.sources.create({ name: 'ids', format: 'suricata' }, ACTOR)).token;
    });
    after(async () => {
      await h.close();
      await fake.close();
    });

    const put = (body: unknown, role: 'admin' | 'analyst' = 'admin', name = 'prod') =>
      h.as(role, {
        method: 'PUT',
        url: `/api/v1/integrations/testintel/instances/${name}`,
        payload: body as object,
      });

    it('publishes a manifest a UI can draw forms from', async () => {
      const res = await h.as('viewer', { method: 'GET', url: '/api/v1/integrations' });
      const manifest = (res.json().items as { id: string }[]).find((i) => i.id === 'testintel') as Record<
        string,
        unknown
      >;
      assert.ok(manifest);
      assert.deepEqual(manifest['credentials'], [
        { name: 'api_key', label: 'API key', secret: true, required: true, description: null, default: null },
      ]);
      const [action] = manifest['actions'] as {
        id: string;
        effect: string;
        input: { properties: object };
        cacheTtlSeconds: number;
      }[];
      assert.equal(action!.id, 'testintel.lookup_ip');
      assert.equal(action!.effect, 'read');
      assert.equal(action!.cacheTtlSeconds, 3600);
      assert.ok('ip' in action!.input.properties);
    });

    it('stores credentials write-only: set by an admin, never shown, required fields checked', async () => {
      assert.equal((await put({ fields: { api_key: KEY } }, 'analyst')).statusCode, 403);
      const missing = await put({ fields: {} });
      assert.equal(missing.statusCode, 400);
      assert.equal(missing.json().path, '/fields/api_key');
      const unknown = await put({ fields: { api_key: KEY, colour: 'red' } });
      assert.equal(unknown.json().path, '/fields/colour');
      const rate = await put({ fields: { api_key: KEY, requests_per_minute: 'lots' } }, 'admin', 'rated');
      assert.equal(rate.statusCode, 400);
      assert.equal(rate.json().path, '/fields/requests_per_minute');
      const ok = await put({ fields: { api_key: KEY, base_url: fake.url } });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual(ok.json().secrets, { api_key: 'set' });
      assert.equal(ok.json().isDefault, true);
      // Changing the URL keeps the stored key.
      assert.equal((await put({ fields: { base_url: fake.url } })).statusCode, 200);
      const detail = await h.as('viewer', { method: 'GET', url: '/api/v1/integrations/testintel' });
      assert.doesNotMatch(detail.body, new RegExp(KEY));
      const stored = await h.riposte.database.db.selectFrom('integration_instances').selectAll().execute();
      assert.doesNotMatch(JSON.stringify(stored), new RegExp(KEY), 'sealed at rest');
      assert.match(stored[0]!.secrets_enc, /^v1\.[0-9a-f]{8}\./, 'AES-GCM with the key id');
    });

    it('tests the connection, and reports a wrong key without showing it', async () => {
      const good = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/integrations/testintel/instances/prod/test',
      });
      assert.deepEqual({ ok: good.json().ok, tested: good.json().tested }, { ok: true, tested: true });
      await put({ fields: { api_key: 'wrong-key-0000', base_url: fake.url } }, 'admin', 'broken');
      const bad = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/integrations/testintel/instances/broken/test',
      });
      assert.equal(bad.json().ok, false);
      assert.match(bad.json().error, /401/);
      assert.doesNotMatch(bad.body, /wrong-key-0000/);
    });

    it('a playbook enriches an ingested alert; the alert and case show verdicts with sources; a repeat is served from the cache', async () => {
      assert.equal(
        (await h.as('analyst', { method: 'POST', url: '/api/v1/playbooks', payload: { source: ENRICH } }))
          .statusCode,
        201,
      );
      const ingest = async (srcIp: string, timestamp: string) => {
        const res = await h.app.inject({
          method: 'POST',
          url: '/api/v1/sources/ids/alerts',
          payload: JSON.stringify(eveAlert({ sid: 8800, srcIp, destIp: '10.88.1.2', timestamp })),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${source}` },
        });
        const [alertId] = res.json().alertIds as string[];
        const [run] = (await h.riposte.runs.list({ alertId })).items;
        return {
          alertId: alertId!,
          run: await h.riposte.runs.settle(run!.id, 5000, { untilTerminal: true }),
        };
      };
      const before = fake.requests.length;
      const first = await ingest('198.51.100.66', '2026-11-30T01:00:00Z');
      assert.equal(first.run.status, 'succeeded', JSON.stringify(first.run));
      assert.equal(fake.requests.length - before, 2, 'one lookup per IP');
      assert.ok(fake.requests.slice(before).every((r) => r.headers['x-key'] === KEY));
      await h.riposte.grouping.drain();
      const alert = (await h.as('viewer', { method: 'GET', url: `/api/v1/alerts/${first.alertId}` })).json();
      const bad = (
        alert.enrichment as {
          value: string;
          verdict: string;
          score: number;
          sources: { provider: string }[];
        }[]
      ).find((e) => e.value === '198.51.100.66');
      assert.deepEqual(
        { verdict: bad?.verdict, score: bad?.score, provider: bad?.sources[0]?.provider },
        {
          verdict: 'malicious',
          score: 91,
          provider: 'testintel',
        },
      );
      const kase = (await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${alert.caseId}` })).json();
      assert.ok(
        (kase.enrichment as { value: string; verdict: string }[]).some(
          (e) => e.value === '10.88.1.2' && e.verdict === 'benign',
        ),
      );

      const again = await ingest('198.51.100.66', '2026-11-30T05:00:00Z');
      assert.equal(again.run.status, 'succeeded');
      assert.equal(fake.requests.length - before, 2, 'the repeated lookups came from the cache');
      const single = await h.as('viewer', {
        method: 'GET',
        url: '/api/v1/enrichment?type=ipv4&value=198.51.100.66',
      });
      assert.equal(single.json().verdict, 'malicious');
    });

    it('refuses to reach metadata and private addresses an instance points at', async () => {
      await put({ fields: { api_key: KEY, base_url: 'http://169.254.169.254' } }, 'admin', 'metadata');
      const bad = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/integrations/testintel/instances/metadata/test',
      });
      assert.equal(bad.json().ok, false);
      assert.match(bad.json().error, /refused to connect/);
    });

    it('secrets never reach the logs, whatever path a request takes', async () => {
      const lines: string[] = [];
      const logged = await buildServer(h.riposte, {
        logger: { level: 'trace', stream: { write: (l) => void lines.push(l) } },
      });
      const stderr = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string | Uint8Array) => {
        lines.push(String(chunk));
        return true;
      }) as typeof process.stderr.write;
      try {
        const as = (options: InjectOptions) =>
          logged.app.inject({
            ...options,
            headers: { authorization: `Bearer ${h.tokens.admin}`, ...(options.headers ?? {}) },
          });
        await as({
          method: 'PUT',
          url: '/api/v1/integrations/testintel/instances/logged',
          payload: { fields: { api_key: 'logged-secret-77aa', base_url: fake.url } },
        });
        await as({ method: 'POST', url: '/api/v1/integrations/testintel/instances/logged/test' });
        await as({
          method: 'PUT',
          url: '/api/v1/secrets/log_probe',
          payload: { value: 'playbook-secret-91bb' },
        });
        await as({
          method: 'POST',
          url: '/api/v1/playbooks',
          payload: {
            source: `id: leak_probe
name: Leak probe
triggers: { manual: true }
steps:
  - id: call
    uses: testintel.lookup_ip
    with:
      ip: "\${{ secrets.log_probe }}"
      instance: logged
`,
          },
        });
        const started = await as({
          method: 'POST',
          url: '/api/v1/runs',
          payload: { playbookId: 'leak_probe' },
        });
        const run = await h.riposte.runs.settle(started.json().id, 5000, { untilTerminal: true });
        assert.equal(run.status, 'failed', 'the secret is no IP and the fake refuses the key');
        const detail = await as({ method: 'GET', url: `/api/v1/runs/${run.id}` });
        assert.doesNotMatch(detail.body, /playbook-secret-91bb|logged-secret-77aa/);
      } finally {
        process.stderr.write = stderr;
        await logged.app.close();
      }
      assert.ok(lines.length > 5, 'the requests were logged');
      const all = lines.join('');
      assert.doesNotMatch(all, /logged-secret-77aa/);
      assert.doesNotMatch(all, /playbook-secret-91bb/);
    });

    it('secrets never reach stored runs, the audit log or API answers', async () => {
      const runs = await h.riposte.database.db.selectFrom('runs').select(['state']).execute();
      const audit = await h.riposte.database.db.selectFrom('audit_log').select(['details']).execute();
      const tasks = await h.riposte.database.db.selectFrom('tasks').selectAll().execute();
      for (const [what, text] of [
        ['runs', JSON.stringify(runs)],
        ['audit', JSON.stringify(audit)],
        ['tasks', JSON.stringify(tasks)],
      ] as const)
        assert.doesNotMatch(text, new RegExp(`${KEY}|logged-secret-77aa|playbook-secret-91bb`), what);
    });

    it('two instances made the default at the same moment leave one default', async () => {
      const answers = await Promise.all(
        ['east', 'west', 'north'].map((name) =>
          put({ fields: { api_key: `key-${name}`, base_url: fake.url }, isDefault: true }, 'admin', name),
        ),
      );
      for (const a of answers) assert.equal(a.statusCode, 200, a.body);
      const listed = (
        (await h.as('admin', { method: 'GET', url: '/api/v1/integration-instances' })).json().items as {
          integration: string;
          name: string;
          isDefault: boolean;
        }[]
      ).filter((i) => i.integration === 'testintel');
      assert.equal(listed.filter((i) => i.isDefault).length, 1, JSON.stringify(listed));
    });
  });
}
