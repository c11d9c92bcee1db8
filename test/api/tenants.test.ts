import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { openRiposte, type Riposte } from '../../src/riposte.ts';
import { buildServer, type RiposteServer } from '../../src/server/app.ts';
import { postgresDatabaseName } from '../../src/tenants/tenant-config.ts';
import { TenantService } from '../../src/tenants/tenant-service.ts';
import { hostTenants, type TenantHost } from '../../src/server/tenant-host.ts';
import { queryAudit } from '../../src/audit/audit-query.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { deleteTenants } from '../support/harness.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/test-databases.ts';

interface Answer {
  status: number;
  /** The JSON body (as `inject().json()` gives it). */
  body: ReturnType<typeof JSON.parse>;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const SYSTEM = { id: 'test-setup', type: 'system' as const };

/**
 * Tenants served by one process, as `riposte serve` runs them: requests reach a tenant by the Host
 * header over a real socket, and nothing of one tenant is visible from another or from the main
 * installation.
 */
for (const kind of databaseKinds()) {
  describe(`tenants on ${kind}`, () => {
    let db: TestDatabase;
    let main: Riposte;
    let host: TenantHost;
    let server: RiposteServer;
    let port: number;
    let mainAdmin: string;

    interface CallOptions {
      bearer?: string;
      cookie?: string;
      body?: unknown;
      raw?: string;
      type?: string;
      /** Send the Host header as given, without this server's port. */
      rawHost?: boolean;
      /** The body's length, announced before it is sent (written by the caller through `req`). */
      length?: number;
    }

    /** A request over the socket with this Host header, its body left to the caller to send. */
    const open = (hostName: string, method: string, path: string, options: CallOptions = {}) => {
      const headers: Record<string, string> = { host: options.rawHost ? hostName : `${hostName}:${port}` };
      if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
      if (options.cookie) headers.cookie = options.cookie;
      if (options.type || options.body !== undefined || options.raw !== undefined)
        headers['content-type'] = options.type ?? 'application/json';
      if (options.length !== undefined) headers['content-length'] = String(options.length);
      const answer = Promise.withResolvers<Answer>();
      const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('close', () =>
          answer.resolve({
            status: res.statusCode ?? 0,
            body: text && /json/.test(String(res.headers['content-type'])) ? JSON.parse(text) : {},
            headers: res.headers,
            text,
          }),
        );
      });
      req.on('error', answer.reject);
      return { req, answer: answer.promise };
    };

    /** One request over the socket with this Host header. */
    const call = (
      hostName: string,
      method: string,
      path: string,
      options: CallOptions = {},
    ): Promise<Answer> => {
      const { req, answer } = open(hostName, method, path, options);
      req.end(options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)));
      return answer;
    };

    before(async () => {
      db = await createTestDatabase(kind);
      const config = loadConfig(
        {},
        { dataDir: db.dataDir, databaseUrl: db.url, logLevel: 'silent', builtinPlaybooks: false },
      );
      main = await openRiposte(config);
      await main.startWorker();
      host = (await hostTenants(main, {
        serve: (tenant) => buildServer(tenant, { logger: false }),
        worker: {},
        // Closing a tenant never gives up on a request in flight here: one it waited for wrongly hangs the test.
        drainMs: 10 * 60_000,
      }))!;
      server = await buildServer(main, { logger: false, hosts: host });
      await server.app.listen({ port: 0, host: '127.0.0.1' });
      port = (server.app.server.address() as AddressInfo).port;
      mainAdmin = (await main.tokens.create({ name: 'main-admin', role: 'admin' }, SYSTEM)).token;
    });
    after(async () => {
      await server.shutdown();
      await host.close();
      await deleteTenants(main);
      await main.close();
      await db.drop();
    });

    const created: Record<string, { password: string; url: string }> = {};

    it('an admin of the main installation creates tenants; each answers with its first admin, once', async () => {
      for (const [slug, name] of [
        ['acme', 'Acme Corp'],
        ['globex', 'Globex'],
      ] as const) {
        const res = await call('127.0.0.1', 'POST', '/api/v1/tenants', {
          bearer: mainAdmin,
          body: { slug, name },
        });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.equal(res.body.tenant.status, 'active');
        assert.equal(res.body.admin.username, 'admin');
        assert.match(res.body.tenant.url, new RegExp(`^http://${slug}\\.localhost(:\\d+)?$`));
        created[slug] = { password: res.body.admin.password, url: res.body.tenant.url };
      }
      const list = await call('127.0.0.1', 'GET', '/api/v1/tenants', { bearer: mainAdmin });
      assert.deepEqual(
        list.body.items.map((t: { slug: string; status: string }) => [t.slug, t.status]),
        [
          ['acme', 'active'],
          ['globex', 'active'],
        ],
      );
      assert.equal(list.body.items[0].createdBy, 'token:main-admin');
      assert.deepEqual(host.running, ['acme', 'globex']);
    });

    it('refuses a bad slug, a reserved one, a taken one or a missing name at the field, and keeps nothing', async () => {
      const cases: [unknown, string, string, number][] = [
        [{ slug: 'Acme!', name: 'x' }, '/slug', 'validation_failed', 400],
        [{ slug: 'www', name: 'x' }, '/slug', 'validation_failed', 400],
        [{ slug: 'a--b', name: 'x' }, '/slug', 'validation_failed', 400],
        [{ slug: 'acme', name: 'Another Acme' }, '/slug', 'conflict', 409],
        [{ slug: 'initech', name: '  ' }, '/name', 'validation_failed', 400],
        [{ slug: 'initech', name: 'Initech', admin: 'bad name!' }, '/admin', 'validation_failed', 400],
      ];
      for (const [body, path, code, status] of cases) {
        const res = await call('127.0.0.1', 'POST', '/api/v1/tenants', { bearer: mainAdmin, body });
        assert.equal(res.status, status, JSON.stringify([body, res.body]));
        assert.equal(res.body.code, code);
        assert.equal(res.body.path, path, JSON.stringify(res.body));
      }
      const bad = await call('127.0.0.1', 'POST', '/api/v1/tenants', {
        bearer: mainAdmin,
        raw: '{"slug": "x",',
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.code, 'invalid_json');
      const slugs = (await main.tenants!.registry.list()).map((t) => t.slug);
      assert.deepEqual(slugs, ['acme', 'globex']);
      // A provisioning that fails once the database exists (here: opening it) removes it again.
      const failing = new TenantService(main.config, main.tenants!.registry, async (config) => {
        assert.ok(existsSync(config.dataDir));
        if (kind === 'postgres') assert.equal(await databaseExists(config.databaseUrl), true);
        throw new Error('the disk is full');
      });
      await assert.rejects(failing.create({ slug: 'initech', name: 'Initech' }, SYSTEM), /the disk is full/);
      // None of the refused requests left a database behind.
      const config = main.tenants!.config('initech');
      assert.equal(existsSync(config.dataDir), false);
      if (kind === 'postgres') assert.equal(await databaseExists(config.databaseUrl), false);
    });

    let acmeCookie = '';
    let acmeToken = '';
    const sourceTokens: Record<string, string> = {};

    it("a tenant's people sign in at its host only; its session and API tokens mean nothing elsewhere", async () => {
      const login = await call('acme.localhost', 'POST', '/api/v1/session', {
        body: { username: 'admin', password: created.acme!.password },
      });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      acmeCookie = String(login.headers['set-cookie']).split(';')[0]!;
      const me = await call('acme.localhost', 'GET', '/api/v1/session', { cookie: acmeCookie });
      assert.equal(me.body.tenant, 'acme');
      assert.equal(
        (await call('127.0.0.1', 'GET', '/api/v1/session', { bearer: mainAdmin })).body.tenant,
        null,
      );
      // Host-only: the cookie names no Domain, so a browser never sends it to another tenant's host.
      assert.doesNotMatch(String(login.headers['set-cookie']), /domain=/i);
      for (const other of ['globex.localhost', '127.0.0.1']) {
        const wrong = await call(other, 'POST', '/api/v1/session', {
          body: { username: 'admin', password: created.acme!.password },
        });
        assert.equal(wrong.status, 401, other);
        assert.equal((await call(other, 'GET', '/api/v1/cases', { cookie: acmeCookie })).status, 401, other);
      }
      const token = await call('acme.localhost', 'POST', '/api/v1/tokens', {
        cookie: acmeCookie,
        body: { name: 'acme-soar', role: 'analyst' },
      });
      assert.equal(token.status, 201, JSON.stringify(token.body));
      acmeToken = token.body.token;
      assert.equal((await call('acme.localhost', 'GET', '/api/v1/cases', { bearer: acmeToken })).status, 200);
      const elsewhere = await call('globex.localhost', 'GET', '/api/v1/cases', { bearer: acmeToken });
      assert.equal(elsewhere.status, 401);
      assert.equal(elsewhere.body.code, 'invalid_token');
      assert.equal((await call('127.0.0.1', 'GET', '/api/v1/cases', { bearer: acmeToken })).status, 401);
      // The main installation's admin is nobody in a tenant.
      assert.equal((await call('acme.localhost', 'GET', '/api/v1/cases', { bearer: mainAdmin })).status, 401);
    });

    it('two tenants have sources of the same name; alerts go to the tenant whose host and token they came with', async () => {
      for (const slug of ['acme', 'globex']) {
        const riposte = host.riposte(slug)!;
        sourceTokens[slug] = (
          await riposte.sources.create(
            {
              name: 'edr',
              format: 'suricata',
              options: {},
              requireSignature: false,
              expectWithinSeconds: null,
            },
            SYSTEM,
          )
        ).token;
      }
      const alert = JSON.stringify(eveAlert({ srcIp: '203.0.113.77', signature: 'ET TROJAN acme only' }));
      const ingest = (hostName: string, token: string) =>
        call(hostName, 'POST', '/api/v1/sources/edr/alerts', { bearer: token, raw: alert });
      assert.equal((await ingest('acme.localhost', sourceTokens.acme!)).status, 202);
      // Neither globex's source of the same name nor the main installation (no such source) takes acme's token.
      assert.equal((await ingest('globex.localhost', sourceTokens.acme!)).status, 401);
      assert.equal((await ingest('127.0.0.1', sourceTokens.acme!)).status, 401);
      const acme = await call('acme.localhost', 'GET', '/api/v1/alerts', { bearer: acmeToken });
      assert.equal(acme.body.items.length, 1);
      assert.equal(acme.body.items[0].title, 'ET TROJAN acme only');
      const globexAdmin = (await host.riposte('globex')!.tokens.create({ name: 'g', role: 'admin' }, SYSTEM))
        .token;
      const globex = await call('globex.localhost', 'GET', '/api/v1/alerts', { bearer: globexAdmin });
      assert.deepEqual(globex.body.items, []);
      const mainAlerts = await call('127.0.0.1', 'GET', '/api/v1/alerts', { bearer: mainAdmin });
      assert.deepEqual(mainAlerts.body.items, []);
      // Nor can a search in another tenant find it.
      const search = await call('globex.localhost', 'GET', '/api/v1/cases?q=acme', { bearer: globexAdmin });
      assert.deepEqual(search.body.items, []);
    });

    it('each tenant runs its own playbooks with its own worker', async () => {
      const saved = await call('acme.localhost', 'POST', '/api/v1/playbooks', {
        bearer: acmeToken,
        body: {
          source: `
id: acme_note
name: Note for acme
triggers: { manual: true }
steps:
  - id: note
    set: { result: done }
`,
        },
      });
      assert.equal(saved.status, 201, JSON.stringify(saved.body));
      const run = await call('acme.localhost', 'POST', '/api/v1/runs', {
        bearer: acmeToken,
        body: { playbookId: 'acme_note' },
      });
      assert.equal(run.status, 201, JSON.stringify(run.body));
      let status = '';
      for (let i = 0; i < 100 && status !== 'succeeded'; i++) {
        status = (await call('acme.localhost', 'GET', `/api/v1/runs/${run.body.id}`, { bearer: acmeToken }))
          .body.status;
        if (status !== 'succeeded') await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(status, 'succeeded');
      const elsewhere = await call('127.0.0.1', 'GET', `/api/v1/runs/${run.body.id}`, { bearer: mainAdmin });
      assert.equal(elsewhere.status, 404);
      const playbooks = await call('127.0.0.1', 'GET', '/api/v1/playbooks', { bearer: mainAdmin });
      assert.equal(
        playbooks.body.items.some((p: { id: string }) => p.id === 'acme_note'),
        false,
      );
    });

    it("each tenant keeps its own audit chain; the main installation's records the tenants' lifecycle only", async () => {
      const acme = host.riposte('acme')!;
      const acmeActions = (await queryAudit(acme.database.db, { limit: '500' })).items.map((r) => r.action);
      assert.ok(acmeActions.includes('source.create'));
      assert.ok(acmeActions.includes('user.create'));
      assert.equal(acmeActions.includes('tenant.create'), false);
      const mainRows = (await queryAudit(main.database.db, { limit: '500', order: 'desc' })).items;
      assert.deepEqual(
        mainRows.filter((r) => r.action.startsWith('tenant.')).map((r) => [r.action, r.targetId]),
        [
          ['tenant.create', 'globex'],
          ['tenant.create', 'acme'],
        ],
      );
      assert.equal(
        mainRows.some((r) => r.action === 'source.create'),
        false,
      );
      assert.equal((await acme.audit.verify(acme.database.db)).ok, true);
      assert.equal((await main.audit.verify(main.database.db)).ok, true);
    });

    it("a tenant's alert limit holds all its sources together; another tenant is not held by it", async () => {
      const setLimit = (slug: string, alertLimitPerMinute: unknown) =>
        call('127.0.0.1', 'PATCH', `/api/v1/tenants/${slug}`, {
          bearer: mainAdmin,
          body: { alertLimitPerMinute },
        });
      for (const bad of [0, 2.5, 'many']) {
        const refused = await setLimit('acme', bad);
        assert.equal(refused.status, 400, JSON.stringify(refused.body));
        assert.match(JSON.stringify(refused.body), /alertLimitPerMinute/);
      }
      // A bad limit beside a valid change refuses both: acme stays served.
      const both = await call('127.0.0.1', 'PATCH', '/api/v1/tenants/acme', {
        bearer: mainAdmin,
        body: { disabled: true, alertLimitPerMinute: 0 },
      });
      assert.equal(both.status, 400, JSON.stringify(both.body));
      assert.deepEqual(host.running, ['acme', 'globex']);
      const set = await setLimit('acme', 3);
      assert.equal(set.status, 200, JSON.stringify(set.body));
      assert.equal(set.body.alertLimitPerMinute, 3);
      // Applied before the answer in this process: acme's own Riposte holds its sources to it.
      const acme = host.riposte('acme')!;
      const second = (await acme.sources.create({ name: 'fw', format: 'suricata' }, SYSTEM)).token;
      const post = (hostName: string, source: string, token: string, count: number, from: number) =>
        call(hostName, 'POST', `/api/v1/sources/${source}/alerts`, {
          bearer: token,
          raw: JSON.stringify(
            Array.from({ length: count }, (_, i) =>
              eveAlert({ sid: from + i, signature: `limit ${from + i}` }),
            ),
          ),
        });
      /** A per-tenant figure of the main installation's /metrics (its tenants' own do not have them). */
      const figure = async (name: string, labels: string) => {
        const text = (await call('127.0.0.1', 'GET', '/metrics')).text;
        const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
        return line === undefined ? undefined : Number(line.split(' ')[1]);
      };
      const acceptedBefore = await figure('riposte_tenant_alerts_total', 'tenant="acme",outcome="accepted"');
      assert.equal((await post('acme.localhost', 'edr', sourceTokens.acme!, 2, 7_100_000)).status, 202);
      const over = await post('acme.localhost', 'fw', second, 2, 7_200_000);
      assert.equal(over.status, 429, JSON.stringify(over.body));
      assert.equal(over.body.code, 'source_rate_limited');
      assert.match(over.body.detail, /^the sources of tenant acme may send 3 alerts a minute together/);
      assert.equal(over.headers['retry-after'], '20');
      assert.equal((await post('acme.localhost', 'fw', second, 1, 7_300_000)).status, 202);
      // Globex's source of the same name is not held by acme's limit.
      assert.equal((await post('globex.localhost', 'edr', sourceTokens.globex!, 4, 7_400_000)).status, 202);
      // The main installation sees each tenant's ingest and refusals in its own /metrics.
      assert.equal(
        await figure('riposte_tenant_alerts_total', 'tenant="acme",outcome="accepted"'),
        acceptedBefore! + 3,
      );
      assert.equal(await figure('riposte_tenant_alerts_total', 'tenant="acme",outcome="limited"'), 2);
      assert.equal(await figure('riposte_tenant_limited_total', 'tenant="acme"'), 1);
      assert.equal(await figure('riposte_tenant_limited_total', 'tenant="globex"'), 0);
      assert.doesNotMatch(
        (await call('acme.localhost', 'GET', '/metrics')).text,
        /riposte_tenant_alerts_total/,
      );
      const lifted = await setLimit('acme', null);
      assert.equal(lifted.body.alertLimitPerMinute, null);
      assert.equal((await post('acme.localhost', 'fw', second, 2, 7_500_000)).status, 202);
      const audit = (await queryAudit(main.database.db, { limit: '50', order: 'desc' })).items.filter(
        (r) => r.action === 'tenant.update',
      );
      assert.deepEqual(
        audit.map((r) => [r.targetId, (r.details as { alertLimitPerMinute: unknown }).alertLimitPerMinute]),
        [
          ['acme', null],
          ['acme', 3],
        ],
      );
      const listed = await call('127.0.0.1', 'GET', '/api/v1/tenants', { bearer: mainAdmin });
      assert.equal(listed.body.items[0].alertLimitPerMinute, null);
    });

    it('a host under the tenant domain that names no tenant is refused, never served the main installation', async () => {
      const res = await call('initech.localhost', 'GET', '/api/v1/session', { cookie: acmeCookie });
      assert.equal(res.status, 404);
      assert.equal(res.body.code, 'unknown_tenant');
      assert.match(res.headers['content-type'] as string, /application\/problem\+json/);
      const odd = await call('a.b.localhost', 'GET', '/healthz');
      assert.equal(odd.status, 404);
      // The list of tenants is the main installation's: a tenant's admin does not have it.
      const inTenant = await call('acme.localhost', 'GET', '/api/v1/tenants', { cookie: acmeCookie });
      assert.equal(inTenant.status, 404);
    });

    it(
      "disabling a tenant ends its consoles' live streams instead of waiting for them",
      { timeout: 20_000 },
      async () => {
        const stream = open('acme.localhost', 'GET', '/api/v1/stream', { cookie: acmeCookie });
        stream.req.end();
        await new Promise((r) => setTimeout(r, 200));
        const off = await call('127.0.0.1', 'PATCH', '/api/v1/tenants/acme', {
          bearer: mainAdmin,
          body: { disabled: true },
        });
        assert.equal(off.body.status, 'disabled');
        assert.equal((await stream.answer).status, 200);
        await main.tenants!.setDisabled('acme', false, SYSTEM);
      },
    );

    it('disabling a tenant waits for its requests in flight: an alert being posted is stored and acknowledged', async () => {
      const body = JSON.stringify(eveAlert({ srcIp: '198.51.100.9', signature: 'ET POLICY in flight' }));
      const slow = open('acme.localhost', 'POST', '/api/v1/sources/edr/alerts', {
        bearer: sourceTokens.acme!,
        type: 'application/json',
        length: Buffer.byteLength(body),
      });
      slow.req.write(body.slice(0, 20));
      await new Promise((r) => setTimeout(r, 100));
      const disabling = call('127.0.0.1', 'PATCH', '/api/v1/tenants/acme', {
        bearer: mainAdmin,
        body: { disabled: true },
      });
      await new Promise((r) => setTimeout(r, 200));
      // While it closes, new requests are turned away; the one in flight is not cut off.
      const meanwhile = await call('acme.localhost', 'GET', '/api/v1/alerts', { bearer: acmeToken });
      assert.equal(meanwhile.status, 503);
      assert.equal(meanwhile.body.code, 'unavailable');
      slow.req.end(body.slice(20));
      assert.equal((await slow.answer).status, 202);
      assert.equal((await disabling).body.status, 'disabled');
      await main.tenants!.setDisabled('acme', false, SYSTEM);
      const alerts = await call('acme.localhost', 'GET', '/api/v1/alerts', { bearer: acmeToken });
      assert.ok(alerts.body.items.some((a: { title: string }) => a.title === 'ET POLICY in flight'));
    });

    it('any Host header gets an answer below 500: the main installation, a tenant, or a refusal', async () => {
      let seed = 7;
      const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
      const pick = <T>(list: readonly T[]) => list[next() % list.length]!;
      const labels = [
        'acme',
        'ACME',
        'globex',
        'initech',
        'a.b',
        '',
        '-x',
        'acme..',
        'x'.repeat(70),
        '%61cme',
        '[::1]',
      ];
      const suffixes = [
        '.localhost',
        '.localhost.',
        '.LocalHost',
        `.localhost:${port}`,
        ':8080',
        '',
        '.localhost:x',
      ];
      const junk = ['', '', ' ', ':', '@', '..', '-', '1'];
      const statuses = new Map<number, number>();
      for (let i = 0; i < 400; i++) {
        const hostName = pick(junk) + pick(labels) + pick(suffixes) + pick(junk);
        const res = await call(hostName, 'GET', '/api/v1/session', { bearer: acmeToken, rawHost: true });
        assert.ok(res.status < 500, `Host ${JSON.stringify(hostName)}: ${res.status} ${res.text}`);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
      // The mutations reach the tenant (200), the main installation or an unknown tenant (401, 404).
      assert.ok(statuses.has(200) && statuses.has(401) && statuses.has(404), JSON.stringify([...statuses]));
    });

    it('a disabled tenant is closed and refused; enabled again it has its data', async () => {
      const stored = (await call('acme.localhost', 'GET', '/api/v1/alerts', { bearer: acmeToken })).body.items
        .length;
      assert.ok(stored >= 2, `${stored} alerts`);
      const off = await call('127.0.0.1', 'PATCH', '/api/v1/tenants/acme', {
        bearer: mainAdmin,
        body: { disabled: true },
      });
      assert.equal(off.status, 200, JSON.stringify(off.body));
      assert.equal(off.body.status, 'disabled');
      assert.deepEqual(host.running, ['globex']);
      const metrics = (await call('127.0.0.1', 'GET', '/metrics')).text;
      assert.match(metrics, /riposte_tenants\{state="open"\} 1/);
      assert.match(metrics, /riposte_tenants\{state="disabled"\} 1/);
      assert.match(metrics, /riposte_tenants\{state="failing"\} 0/);
      // Closed here, acme's counters are kept: they go on from there when it opens again.
      assert.match(metrics, /^riposte_tenant_limited_total\{tenant="acme"\} 1$/m);
      // A tenant's /metrics is its own (no tenants gauge there).
      assert.doesNotMatch((await call('globex.localhost', 'GET', '/metrics')).text, /riposte_tenants/);
      const refused = await call('acme.localhost', 'GET', '/api/v1/alerts', { bearer: acmeToken });
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, 'tenant_disabled');
      const ingest = await call('acme.localhost', 'POST', '/api/v1/sources/edr/alerts', {
        bearer: sourceTokens.acme!,
        raw: JSON.stringify(eveAlert()),
      });
      assert.equal(ingest.status, 403);
      const deleteActive = await call('127.0.0.1', 'DELETE', '/api/v1/tenants/globex', { bearer: mainAdmin });
      assert.equal(deleteActive.status, 409);
      assert.equal(deleteActive.body.code, 'invalid_state');
      const on = await call('127.0.0.1', 'PATCH', '/api/v1/tenants/acme', {
        bearer: mainAdmin,
        body: { disabled: false },
      });
      assert.equal(on.body.status, 'active');
      const alerts = await call('acme.localhost', 'GET', '/api/v1/alerts', { bearer: acmeToken });
      assert.equal(alerts.status, 200);
      assert.equal(alerts.body.items.length, stored);
    });

    it('a deleted tenant is gone with its database', async () => {
      const config = main.tenants!.config('globex');
      assert.equal(
        (
          await call('127.0.0.1', 'PATCH', '/api/v1/tenants/globex', {
            bearer: mainAdmin,
            body: { disabled: true },
          })
        ).status,
        200,
      );
      const gone = await call('127.0.0.1', 'DELETE', '/api/v1/tenants/globex', { bearer: mainAdmin });
      assert.equal(gone.status, 204);
      assert.equal(existsSync(config.dataDir), false);
      if (kind === 'postgres') assert.equal(await databaseExists(config.databaseUrl), false);
      const res = await call('globex.localhost', 'GET', '/healthz');
      assert.equal(res.body.code, 'unknown_tenant');
      const missing = await call('127.0.0.1', 'DELETE', '/api/v1/tenants/globex', { bearer: mainAdmin });
      assert.equal(missing.status, 404);
      const actions = (await queryAudit(main.database.db, { limit: '50' })).items.map((r) => r.action);
      assert.ok(actions.includes('tenant.delete'));
    });
  });
}

async function databaseExists(url: string): Promise<boolean> {
  const admin = new URL(url);
  const name = postgresDatabaseName(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const res = await client.query('select 1 from pg_database where datname = $1', [name]);
    return res.rowCount === 1;
  } finally {
    await client.end();
  }
}
