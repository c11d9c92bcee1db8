import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FeedRefresher } from '../../src/intel/feed-refresher.ts';
import { OutboundHttp } from '../../src/integrations/http/outbound-http.ts';
import { startFakeServer, type FakeServer } from '../../src/integrations/sdk/fake-server.ts';
import { feodoCsv, feodoRow, stixBundle } from '../fixtures/own/intel-feeds.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const ACTOR = { id: 't', type: 'system' as const };

for (const kind of databaseKinds()) {
  describe(`threat intelligence on ${kind}`, () => {
    let h: Harness;
    let sourceToken: string;
    let fake: FakeServer;

    before(async () => {
      fake = await startFakeServer([
        [
          'GET',
          '/feodo.csv',
          () => ({ text: feodoCsv([feodoRow('203.0.113.50'), feodoRow('203.0.113.51')]) }),
        ],
        ['GET', '/broken.csv', () => ({ text: feodoCsv([feodoRow('203.0.113.52')], { footer: false }) })],
        // A feed is outside text: it may hold a NUL character (PostgreSQL refuses one in text).
        ['GET', '/nul.csv', () => ({ text: feodoCsv([feodoRow('203.0.113.53', 'online', 'Qak\u0000Bot')]) })],
      ]);
      h = await startHarness(kind, { outboundAllow: ['127.0.0.1'] });
      sourceToken = (await h.riposte.sources.create({ name: 'ids', format: 'suricata' }, ACTOR)).token;
    });
    after(async () => {
      await h.close();
      await fake.close();
    });

    const importFile = (body: string, query: string, role: 'analyst' | 'viewer' = 'analyst') =>
      h.as(role, {
        method: 'POST',
        url: `/api/v1/intel/imports?${query}`,
        headers: { 'content-type': 'text/csv' },
        payload: body,
      });

    /** Ingests one Suricata alert and waits for its case; returns the alert and case as the API shows them. */
    async function ingest(srcIp: string, destIp: string, sid: number, signature?: string) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/api/v1/sources/ids/alerts',
        headers: { authorization: `Bearer ${sourceToken}`, 'content-type': 'application/json' },
        payload: JSON.stringify(
          eveAlert({
            sid,
            srcIp,
            destIp,
            hostname: `h${sid}-${srcIp.replaceAll('.', '-')}.example.org`,
            ...(signature ? { signature } : {}),
          }),
        ),
      });
      assert.equal(res.statusCode, 202, res.body);
      await h.riposte.grouping.drain();
      const alert = (
        await h.as('viewer', { method: 'GET', url: `/api/v1/alerts/${res.json().alertIds[0]}` })
      ).json();
      const kase = (await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${alert.caseId}` })).json();
      return { alert, kase };
    }

    it('imports a feed, then looks indicators up by canonical value', async () => {
      const res = await importFile(
        feodoCsv([feodoRow('198.51.100.7'), feodoRow('198.51.100.9', 'offline')]),
        'source=feodo',
      );
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(
        [res.json().format, res.json().indicators, res.json().created, res.json().updated],
        ['feodo', 2, 2, 0],
      );
      const found = await h.as('viewer', {
        method: 'GET',
        url: '/api/v1/intel/indicators?value=198%5B.%5D51.100.7',
      });
      assert.equal(found.statusCode, 200);
      const [item] = found.json().items;
      assert.deepEqual(
        [item.type, item.value, item.source, item.confidence, item.threat, item.live],
        ['ipv4', '198.51.100.7', 'feodo', 80, 'QakBot', true],
      );
      assert.ok(Date.parse(item.validUntil) - Date.now() > 29 * 86_400_000, 'default TTL of 30 days');
      const page = await h.as('viewer', {
        method: 'GET',
        url: '/api/v1/intel/indicators?source=feodo&limit=1',
      });
      assert.equal(page.json().items.length, 1);
      const next = await h.as('viewer', {
        method: 'GET',
        url: `/api/v1/intel/indicators?source=feodo&limit=1&cursor=${page.json().nextCursor}`,
      });
      assert.equal(next.json().items.length, 1);
      assert.notEqual(next.json().items[0].id, page.json().items[0].id);
      assert.equal((await importFile('x', 'source=feodo', 'viewer')).statusCode, 403);
    });

    it('a re-import moves last_seen and valid_until, and stores no duplicate', async () => {
      const text = feodoCsv([feodoRow('198.51.100.20')]);
      const first = await h.riposte.intel.indicators.import(
        text,
        { source: 'reimport', now: new Date('2030-01-01T00:00:00Z') },
        ACTOR,
      );
      const again = await h.riposte.intel.indicators.import(
        text,
        { source: 'reimport', ttl: '7d', now: new Date('2030-01-05T00:00:00Z') },
        ACTOR,
      );
      assert.deepEqual([first.created, again.created, again.updated], [1, 0, 1]);
      const { items } = await h.riposte.intel.indicators.list(
        { source: 'reimport' },
        new Date('2030-01-06T00:00:00Z'),
      );
      assert.equal(items.length, 1);
      assert.equal(items[0]!.lastSeen, '2030-01-05T00:00:00.000Z');
      assert.equal(items[0]!.validUntil, '2030-01-12T00:00:00.000Z');
      assert.equal(items[0]!.firstSeen, '2024-03-26T23:30:15.000Z');
    });

    it('rejects a malformed file whole with every error; partial imports the rest and lists what it skipped', async () => {
      const text = feodoCsv([
        feodoRow('198.51.100.30'),
        ['2024-03-26 23:30:15', '198.51.100.999', '443', 'online', '2024-04-04', 'QakBot'],
        ['2024-03-26 23:30:15', '198.51.100.31', 'http', 'online', '2024-04-04', 'QakBot'],
      ]);
      const rejected = await importFile(text, 'source=strict');
      assert.equal(rejected.statusCode, 422);
      assert.equal(rejected.json().code, 'invalid_intel_file');
      assert.deepEqual(
        rejected.json().errors.map((e: { record: string; field: string }) => `${e.record} ${e.field}`),
        ['line 7 dst_ip', 'line 8 dst_port'],
      );
      assert.match(rejected.json().errors[1].problem, /expected a port 1–65535, got "http"/);
      const none = await h.as('viewer', { method: 'GET', url: '/api/v1/intel/indicators?source=strict' });
      assert.deepEqual(none.json().items, [], 'nothing half-written');
      const partial = await importFile(text, 'source=strict&partial=true');
      assert.equal(partial.statusCode, 200, partial.body);
      assert.equal(partial.json().indicators, 1);
      assert.equal(partial.json().skippedCount, 2);
      assert.deepEqual(
        partial.json().skipped.map((e: { record: string }) => e.record),
        ['line 7', 'line 8'],
      );
      const unknown = await importFile('hello', 'source=x');
      assert.equal(unknown.statusCode, 422);
      assert.match(unknown.json().detail, /cannot be told from the content/);
    });

    it('an alert whose observable matches a live indicator shows it, and its case priority says why', async () => {
      const plain = await ingest('10.1.1.1', '192.0.2.200', 7001);
      const listed = await ingest('10.1.1.2', '198.51.100.7', 7001);
      const enrichment = listed.alert.enrichment.find((e: { value: string }) => e.value === '198.51.100.7');
      assert.ok(enrichment, JSON.stringify(listed.alert.enrichment));
      assert.equal(enrichment.verdict, 'malicious');
      assert.equal(enrichment.score, 80);
      assert.equal(enrichment.sources[0].provider, 'intel:feodo');
      assert.match(enrichment.sources[0].summary, /QakBot; labels: botnet_cc; confidence 80/);
      assert.deepEqual(plain.alert.enrichment, []);
      assert.ok(listed.kase.enrichment.some((e: { value: string }) => e.value === '198.51.100.7'));
      assert.equal(listed.kase.priority, plain.kase.priority + 15);
      const factor = listed.kase.priorityFactors.find((f: { factor: string }) => f.factor === 'threat_intel');
      assert.equal(
        factor.detail,
        'threat intel: 1 observable matches indicators from feodo (confidence up to 80)',
      );
      assert.equal(
        plain.kase.priorityFactors.find((f: { factor: string }) => f.factor === 'threat_intel'),
        undefined,
      );
    });

    it('counts each matching observable once per case, across alerts and feeds', async () => {
      await h.riposte.intel.indicators.import(
        stixBundle([{ pattern: "[ipv4-addr:value = '198.51.100.9']", confidence: 90 }]),
        { source: 'partner' },
        ACTOR,
      );
      const first = await ingest('198.51.100.9', '198.51.100.7', 7002);
      const factor = first.kase.priorityFactors.find((f: { factor: string }) => f.factor === 'threat_intel');
      assert.equal(
        factor.detail,
        'threat intel: 2 observables match indicators from feodo, partner (confidence up to 90)',
      );
      // Another alert of the same rule on the same host: the same case, the same observables, no new count.
      const again = await ingest('198.51.100.9', '198.51.100.7', 7002, 'ET CNC second stage');
      assert.equal(again.kase.id, first.kase.id);
      assert.equal(again.kase.alertCount, 2);
      assert.equal(
        again.kase.priorityFactors.find((f: { factor: string }) => f.factor === 'threat_intel').detail,
        factor.detail,
      );
    });

    it('an indicator that arrives after a case opened counts when its observable is seen again', async () => {
      const before = await ingest('10.1.1.9', '198.51.100.88', 7005);
      assert.deepEqual(before.alert.enrichment, []);
      await h.riposte.intel.indicators.import(
        feodoCsv([feodoRow('198.51.100.88')]),
        { source: 'late' },
        ACTOR,
      );
      const after = await ingest('10.1.1.9', '198.51.100.88', 7005, 'ET CNC beacon again');
      assert.equal(after.kase.id, before.kase.id);
      assert.equal(
        after.kase.priorityFactors.find((f: { factor: string }) => f.factor === 'threat_intel').detail,
        'threat intel: 1 observable matches indicators from late (confidence up to 80)',
      );
      assert.equal(after.kase.priority, before.kase.priority + 15 + 2, 'intel, and a second alert');
    });

    it('an expired indicator does not match', async () => {
      await h.riposte.intel.indicators.import(
        stixBundle([{ pattern: "[ipv4-addr:value = '198.51.100.66']", validUntil: '2024-02-01T00:00:00Z' }]),
        { source: 'old' },
        ACTOR,
      );
      await h.riposte.intel.indicators.import(
        feodoCsv([feodoRow('198.51.100.67')]),
        { source: 'short', ttl: '1m', now: new Date(Date.now() - 3_600_000) },
        ACTOR,
      );
      const { alert, kase } = await ingest('10.1.1.3', '198.51.100.66', 7003);
      assert.deepEqual(alert.enrichment, []);
      assert.equal(
        kase.priorityFactors.find((f: { factor: string }) => f.factor === 'threat_intel'),
        undefined,
      );
      const other = await ingest('10.1.1.4', '198.51.100.67', 7004);
      assert.deepEqual(other.alert.enrichment, []);
      const listed = await h.as('viewer', {
        method: 'GET',
        url: '/api/v1/intel/indicators?type=ipv4&value=198.51.100.66',
      });
      assert.equal(listed.json().items[0].live, false);
    });

    it('removing a source removes its indicators and the findings they made (admin only)', async () => {
      assert.equal(
        (await h.as('analyst', { method: 'DELETE', url: '/api/v1/intel/indicators?source=partner' }))
          .statusCode,
        403,
      );
      const res = await h.as('admin', { method: 'DELETE', url: '/api/v1/intel/indicators?source=partner' });
      assert.deepEqual(res.json(), { source: 'partner', deleted: 1 });
      const lookup = await h.as('viewer', {
        method: 'GET',
        url: '/api/v1/enrichment?type=ipv4&value=198.51.100.9',
      });
      assert.ok(!JSON.stringify(lookup.json()).includes('intel:partner'), lookup.body);
      assert.equal(
        (await h.as('admin', { method: 'DELETE', url: '/api/v1/intel/indicators' })).statusCode,
        400,
      );
    });

    it('refreshes scheduled feeds through the outbound client and records each outcome', async () => {
      const put = (name: string, path: string) =>
        h.as('admin', {
          method: 'PUT',
          url: `/api/v1/intel/feeds/${name}`,
          payload: { url: `${fake.url}${path}`, format: 'feodo', every: '6h', ttl: '2d' },
        });
      assert.equal((await put('feodo-live', '/feodo.csv')).statusCode, 200);
      assert.equal((await put('feodo-broken', '/broken.csv')).statusCode, 200);
      assert.equal((await put('feodo-missing', '/nope.csv')).statusCode, 200);
      const bad = await h.as('admin', {
        method: 'PUT',
        url: '/api/v1/intel/feeds/x',
        payload: { url: 'ftp://x', format: 'feodo', every: '6h' },
      });
      assert.equal(bad.statusCode, 400);
      const now = new Date();
      const done = await h.riposte.intel.feeds.refreshDue(now);
      assert.deepEqual(done.map((d) => [d.name, d.status, d.count]).sort(), [
        ['feodo-broken', 'failed', null],
        ['feodo-live', 'ok', 2],
        ['feodo-missing', 'failed', null],
      ]);
      assert.deepEqual(
        await h.riposte.intel.feeds.refreshDue(now),
        [],
        'not due again until every has passed',
      );
      const list = (await h.as('analyst', { method: 'GET', url: '/api/v1/intel/feeds' })).json().items;
      const byName = Object.fromEntries(list.map((f: { name: string }) => [f.name, f]));
      assert.equal(byName['feodo-live'].last.status, 'ok');
      assert.equal(byName['feodo-live'].every, '6h');
      assert.ok(Date.parse(byName['feodo-live'].nextAt) - now.getTime() === 6 * 3_600_000);
      assert.match(
        byName['feodo-broken'].last.error,
        /end of file # END: expected the "# END n entries" footer/,
      );
      assert.match(byName['feodo-missing'].last.error, /answered 404/);
      const imported = await h.as('viewer', {
        method: 'GET',
        url: '/api/v1/intel/indicators?source=feodo-live',
      });
      assert.equal(imported.json().items.length, 2);
      assert.ok(Date.parse(imported.json().items[0].validUntil) - now.getTime() <= 2 * 86_400_000);
    });

    it('keeps a feed whose text holds a NUL character, as U+FFFD', async () => {
      await h.riposte.intel.feeds.put(
        'feodo-nul',
        { url: `${fake.url}/nul.csv`, format: 'feodo', every: '1h' },
        ACTOR,
      );
      const done = await h.riposte.intel.feeds.refreshDue(new Date());
      assert.deepEqual(
        done.filter((d) => d.name === 'feodo-nul').map((d) => [d.status, d.count]),
        [['ok', 1]],
        JSON.stringify(done),
      );
      const items = (
        await h.as('viewer', { method: 'GET', url: '/api/v1/intel/indicators?source=feodo-nul' })
      ).json().items;
      assert.equal(items[0].threat, 'Qak\ufffdBot');
    });

    it('a feed URL on a private address is refused by the SSRF guard', async () => {
      const guarded = new FeedRefresher(
        h.riposte.database.db,
        h.riposte.audit,
        h.riposte.intel.indicators,
        new OutboundHttp(),
      );
      await guarded.put('internal', { url: `${fake.url}/feodo.csv`, format: 'feodo', every: '1h' }, ACTOR);
      const [outcome] = (await guarded.refreshDue(new Date(Date.now() + 10 * 86_400_000))).filter(
        (d) => d.name === 'internal',
      );
      assert.equal(outcome!.status, 'failed');
      assert.match(outcome!.error!, /not allowed|private|loopback|blocked/i);
      assert.equal(
        fake.requests.filter((r) => r.path === '/feodo.csv').length,
        1,
        'only the allowed refresh reached the server',
      );
    });
  });
}
