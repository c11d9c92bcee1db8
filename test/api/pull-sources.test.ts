import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import {
  startFakeCrowdStrike,
  type FakeCrowdStrike,
} from '../../src/integrations/crowdstrike/fake-crowdstrike.ts';
import type { FakeFalconAlert } from '../../src/integrations/crowdstrike/fake-falcon-alerts.ts';
import { crowdstrike } from '../../src/integrations/crowdstrike/crowdstrike-integration.ts';
import type { FakeDefenderAlert } from '../../src/integrations/defender/fake-defender-alerts.ts';
import { startFakeDefender, type FakeDefender } from '../../src/integrations/defender/fake-defender.ts';
import type { FakeOktaEvent } from '../../src/integrations/okta/fake-okta-logs.ts';
import { startFakeOkta, type FakeOkta } from '../../src/integrations/okta/fake-okta.ts';
import { pullTargets, type PullFormat } from '../../src/pull/pull-options.ts';
import { PullPoller } from '../../src/pull/pull-poller.ts';
import type { Riposte } from '../../src/riposte.ts';
import { loadConfig } from '../../src/config.ts';
import { openRiposte } from '../../src/riposte.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds, processEnv } from '../support/test-databases.ts';

/**
 * Sources that pull their alerts from a vendor API (`options.pull`), end to end against the fake
 * Defender, Falcon and Okta servers: pages into the ingest pipeline, the stored position across a
 * restart and a crash, vendor failures, options refused with the option named — on each database.
 */
const BIN = new URL('../../bin/riposte.js', import.meta.url).pathname;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

const mdeAlert = (n: number, at: string, extra: Partial<FakeDefenderAlert> = {}): FakeDefenderAlert => ({
  id: `da63747290038283${String(n).padStart(4, '0')}_1364969609`,
  title: `Suspicious PowerShell ${n}`,
  severity: 'High',
  status: 'New',
  category: 'Execution',
  detectorId: '17e10bbc-3a68-474a-8aad-faef14d43952',
  alertCreationTime: at,
  lastUpdateTime: at,
  firstEventTime: at,
  computerDnsName: `ws-${n}.contoso.com`,
  mitreTechniques: ['T1059.001'],
  evidence: [{ entityType: 'File', sha256: 'a'.repeat(64), fileName: `drop${n}.ps1` }],
  ...extra,
});

const falconAlert = (n: number, at: string): FakeFalconAlert => ({
  composite_id: `0123456789abcdef0123456789abcdef:ind:77d11725c48ca19:${4000 + n}-10-${n}`,
  display_name: `CredentialDumping ${n}`,
  description: 'A process tried to read LSASS memory',
  severity: 90,
  severity_name: 'Critical',
  tactic: 'Credential Access',
  technique: 'OS Credential Dumping',
  technique_id: 'T1003',
  product: 'epp',
  timestamp: at,
  created_timestamp: at,
  updated_timestamp: at,
  device: { hostname: `srv-${n}`, local_ip: '10.1.0.7' },
});

const oktaEvent = (n: number, eventType: string, at: string, severity = 'INFO'): FakeOktaEvent => ({
  uuid: `6a2b1d2e-0000-4000-8000-${String(n).padStart(12, '0')}`,
  published: at,
  eventType,
  severity,
  displayMessage: eventType,
  actor: { id: '00u1qw1mqitPHM8AJ0g7', type: 'User', alternateId: 'bob@example.com', displayName: 'Bob' },
  client: { ipAddress: '198.51.100.23' },
  outcome: { result: 'FAILURE' },
  target: [],
});

for (const kind of databaseKinds()) {
  describe(`sources pulled from vendor APIs (${kind})`, () => {
    let h: Harness;
    let mde: FakeDefender;
    let falcon: FakeCrowdStrike;
    let okta: FakeOkta;

    const api = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
      h.as('admin', { method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
    const titles = async (source: string) =>
      (await h.riposte.alerts.list({ source, limit: 100 })).items.map((a) => a.title).sort();
    const row = (source: string) =>
      h.riposte.database.db
        .selectFrom('source_pull_cursors')
        .selectAll()
        .where('source', '=', source)
        .executeTakeFirst();
    const pullOf = async (source: string) => (await api('GET', `/api/v1/sources/${source}`)).json().pull;
    const pollNow = async (riposte: Riposte, source: string) =>
      riposte.pulls.pollNow(await riposte.sources.get(source), { id: 'test', type: 'system' });
    /** Another process on the same database (`riposte worker` beside the server). */
    const anotherProcess = () =>
      openRiposte(
        loadConfig(
          {},
          {
            dataDir: h.db.dataDir,
            databaseUrl: h.db.url,
            logLevel: 'silent',
            builtinPlaybooks: false,
            outboundAllow: ['127.0.0.1'],
          },
        ),
      );
    const pollOne = async (riposte: Riposte, source: string) => {
      await pollNow(riposte, source);
      return (await riposte.pulls.pollDue()).filter((p) => p.source === source);
    };

    before(async () => {
      mde = await startFakeDefender({
        alerts: [1, 2, 3, 4, 5].map((n) => mdeAlert(n, minutesAgo(60 - n))),
      });
      falcon = await startFakeCrowdStrike({
        alerts: [falconAlert(1, minutesAgo(30)), falconAlert(2, minutesAgo(20))],
      });
      okta = await startFakeOkta({
        events: [
          oktaEvent(1, 'user.session.start', minutesAgo(50)),
          oktaEvent(2, 'security.threat.detected', minutesAgo(40), 'WARN'),
          oktaEvent(3, 'user.account.lock', minutesAgo(30), 'WARN'),
        ],
      });
      h = await startHarness(kind, { outboundAllow: ['127.0.0.1'] });
      const instance = async (integration: string, name: string, fields: Record<string, string>) =>
        assert.equal(
          (await api('PUT', `/api/v1/integrations/${integration}/instances/${name}`, { fields })).statusCode,
          200,
        );
      await instance('defender', 'mde', {
        base_url: mde.url,
        tenant_id: mde.tenantId,
        client_id: mde.clientId,
        client_secret: mde.clientSecret,
        token_url: mde.tokenUrl,
      });
      await instance('crowdstrike', 'falcon', {
        base_url: falcon.url,
        client_id: falcon.clientId,
        client_secret: falcon.clientSecret,
      });
      await instance('okta', 'acme', { base_url: okta.url, api_token: okta.apiToken });
    });
    after(async () => {
      await h?.close();
      await Promise.all([mde?.close(), falcon?.close(), okta?.close()]);
    });

    it('refuses pull options it cannot use, naming the option, on create and on update', async () => {
      const refused = async (format: string, pull: unknown, path: string, detail: RegExp) => {
        const res = await api('POST', '/api/v1/sources', { name: 'bad', format, options: { pull } });
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().code, 'validation_failed');
        assert.equal(res.json().path, path, res.body);
        assert.match(res.json().detail, detail);
      };
      await refused(
        'defender',
        { instance: 'nope' },
        '/options/pull/instance',
        /defender integration has no instance "nope" \(it has "mde"\)/,
      );
      await refused('defender', { instance: 'falcon' }, '/options/pull/instance', /no instance "falcon"/);
      await refused(
        'suricata',
        { instance: 'mde' },
        '/options/pull',
        /format suricata cannot be pulled; Riposte pulls .*defender \(integration defender\)/,
      );
      await refused(
        'defender',
        { instance: 'mde', every_seconds: 5 },
        '/options/pull/every_seconds',
        /from 10 to 86400; got 5/,
      );
      await refused(
        'defender',
        { instance: 'mde', every_seconds: 86_401 },
        '/options/pull/every_seconds',
        /from 10 to 86400/,
      );
      await refused(
        'defender',
        { instance: 'mde', every_seconds: '60' },
        '/options/pull/every_seconds',
        /got "60"/,
      );
      await refused(
        'crowdstrike',
        { instance: 'falcon', page_size: 501 },
        '/options/pull/page_size',
        /from 1 to 500/,
      );
      await refused(
        'okta',
        { instance: 'acme', overlap_seconds: 60 },
        '/options/pull/overlap_seconds',
        /no overlap to set/,
      );
      await refused('defender', { instance: 'mde', colour: 'red' }, '/options/pull/colour', /unknown key/);
      await refused('defender', 'mde', '/options/pull', /must be an object/);
      await refused('okta', { instance: 'acme', filter: '' }, '/options/pull/filter', /filter expression/);
      assert.equal((await api('GET', '/api/v1/sources/bad')).statusCode, 404, 'nothing was created');

      assert.equal(
        (await api('POST', '/api/v1/sources', { name: 'edr-patch', format: 'defender' })).statusCode,
        201,
      );
      const patch = await api('PATCH', '/api/v1/sources/edr-patch', {
        options: { pull: { instance: 'ghost' } },
      });
      assert.equal(patch.statusCode, 400);
      assert.equal(patch.json().path, '/options/pull/instance');
      const formatAway = await api('POST', '/api/v1/sources', {
        name: 'edr-patch-2',
        format: 'defender',
        options: { pull: { instance: 'mde', every_seconds: 3600 } },
      });
      assert.equal(formatAway.statusCode, 201);
      const toSuricata = await api('PATCH', '/api/v1/sources/edr-patch-2', { format: 'suricata' });
      assert.equal(toSuricata.statusCode, 400, 'options.pull no longer fits the format');
      assert.equal(toSuricata.json().path, '/options/pull');
      assert.equal((await api('GET', '/api/v1/sources/edr-patch-2')).json().format, 'defender', 'unchanged');
      assert.equal((await api('DELETE', '/api/v1/sources/edr-patch-2')).statusCode, 204);
    });

    it('lists the formats a source can pull, with the bounds and default of each setting (the console’s form)', async () => {
      const formats = (await api('GET', '/api/v1/sources')).json().pullFormats as PullFormat[];
      assert.deepEqual(
        formats.map((f) => [f.format, f.integration.id]),
        [
          ['crowdstrike', 'crowdstrike'],
          ['defender', 'defender'],
          ['okta', 'okta'],
        ],
      );
      const defender = formats.find((f) => f.format === 'defender')!;
      assert.deepEqual(defender.everySeconds, { min: 10, max: 86_400, default: 60 });
      assert.deepEqual(defender.pageSize, { min: 1, max: 1000, default: 200 });
      assert.deepEqual(defender.overlapSeconds, { min: 0, max: 3600, default: 300 });
      assert.deepEqual(defender.lookbackSeconds, { min: 0, max: 2_592_000, default: 86_400 });
      assert.equal(defender.defaultFilter, null);
      const okta = formats.find((f) => f.format === 'okta')!;
      assert.equal(okta.overlapSeconds, null, 'Okta reads from its own stream position');
      assert.match(okta.defaultFilter ?? '', /^eventType sw "security\."/);
      assert.deepEqual(okta.pageSize, { min: 1, max: 1000, default: 500 });
    });

    it('pulls Defender alerts page by page through the ingest pipeline, audited as pull:<source>', async () => {
      const created = await api('POST', '/api/v1/sources', {
        name: 'mde-alerts',
        format: 'defender',
        options: { pull: { instance: 'mde', page_size: 2, every_seconds: 300 } },
      });
      assert.equal(created.statusCode, 201, created.body);
      const polls = await h.riposte.pulls.pollDue();
      const poll = polls.find((p) => p.source === 'mde-alerts');
      assert.deepEqual(
        [poll?.pages, poll?.records, poll?.stored, poll?.duplicates, poll?.error],
        [3, 5, 5, 0, null],
      );
      assert.deepEqual(
        await titles('mde-alerts'),
        [1, 2, 3, 4, 5].map((n) => `Suspicious PowerShell ${n}`),
      );
      const stored = (await h.riposte.alerts.list({ source: 'mde-alerts', limit: 1 })).items[0]!;
      assert.equal(stored.format, 'defender');
      assert.equal(stored.severity, 'high');
      assert.ok(stored.caseId, 'grouped into a case in the same pipeline');
      assert.ok(stored.observables.some((o) => o.type === 'host' && o.value.startsWith('ws-')));
      const audit = await h.riposte.database.db
        .selectFrom('audit_log')
        .select('actor')
        .where('action', '=', 'alerts.ingest')
        .execute();
      assert.ok(
        audit.some((a) => a.actor.includes('pull:mde-alerts')),
        JSON.stringify(audit),
      );
      const pull = await pullOf('mde-alerts');
      assert.deepEqual(pull.records, { pulled: 5, stored: 5, duplicates: 0, rejected: 0 });
      assert.equal(pull.failures, 0);
      assert.equal(pull.lastError, null);
      assert.equal(pull.integration, 'defender');
      assert.match(pull.position, /lastUpdateTime ≥ /);
      assert.ok(
        pull.lastSuccessAt && pull.nextPollAt > new Date(Date.now() + 200_000).toISOString(),
        pull.nextPollAt,
      );
      const listed = (await h.as('analyst', { method: 'GET', url: '/api/v1/sources' })).json().items;
      assert.equal(listed.find((s: { name: string }) => s.name === 'mde-alerts').pull.instance, 'mde');
      const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /riposte_pull_polls_total\{source="mde-alerts",outcome="ok"\} 1/);
      assert.match(metrics, /riposte_pull_records_total\{source="mde-alerts",outcome="stored"\} 5/);
      assert.match(metrics, /riposte_pull_failures\{source="mde-alerts"\} 0/);
    });

    it('waits every_seconds between polls; "pull now" brings the next one forward, and it reads only what changed', async () => {
      assert.deepEqual(
        (await h.riposte.pulls.pollDue()).filter((p) => p.source === 'mde-alerts'),
        [],
        'not due',
      );
      mde.alertList.put(mdeAlert(6, minutesAgo(1)));
      const now = await api('POST', '/api/v1/sources/mde-alerts/pull');
      assert.equal(now.statusCode, 202, now.body);
      const [poll] = (await h.riposte.pulls.pollDue()).filter((p) => p.source === 'mde-alerts');
      assert.deepEqual(
        [poll?.records, poll?.stored, poll?.duplicates],
        [1, 1, 0],
        'the overlap re-read hands nothing over twice',
      );
      assert.equal((await titles('mde-alerts')).length, 6);
      const audited = await h.riposte.database.db
        .selectFrom('audit_log')
        .select(['actor', 'target_id'])
        .where('action', '=', 'source.pull_now')
        .execute();
      assert.deepEqual(
        audited.map((a) => a.target_id),
        ['mde-alerts'],
      );
      const notPulled = await api('POST', '/api/v1/sources/edr-patch/pull');
      assert.equal(notPulled.statusCode, 409);
    });

    it('resumes from the stored position in another process (a restart)', async () => {
      mde.alertList.put(mdeAlert(7, minutesAgo(0.5)));
      const watermark = JSON.parse((await row('mde-alerts'))!.cursor!).watermark as string;
      const other = await anotherProcess();
      try {
        const before = mde.requests.length;
        const [poll] = await pollOne(other, 'mde-alerts');
        assert.deepEqual([poll?.records, poll?.stored], [1, 1]);
        const listing = mde.requests.slice(before).find((r) => r.path === '/api/alerts');
        const from = new Date(Date.parse(watermark) - 300_000).toISOString();
        assert.equal(
          listing?.query.get('$filter'),
          `lastUpdateTime ge ${from}`,
          'from the watermark, not the lookback',
        );
      } finally {
        await other.close();
      }
    });

    it('a page read again after a crash (alerts committed, position not written) is counted by dedup, not stored twice', async () => {
      const before = (await row('mde-alerts'))!.cursor;
      mde.alertList.put(mdeAlert(8, minutesAgo(0.2)));
      const [first] = await pollOne(h.riposte, 'mde-alerts');
      assert.equal(first?.stored, 1);
      // The process died after the commit, before the position moved.
      await h.riposte.database.db
        .updateTable('source_pull_cursors')
        .set({ cursor: before })
        .where('source', '=', 'mde-alerts')
        .execute();
      const [again] = await pollOne(h.riposte, 'mde-alerts');
      assert.deepEqual([again?.records, again?.stored, again?.duplicates], [1, 0, 1]);
      const alerts = (await h.riposte.alerts.list({ source: 'mde-alerts', limit: 100 })).items;
      assert.equal(alerts.length, 8);
      assert.equal(alerts.find((a) => a.title === 'Suspicious PowerShell 8')?.count, 2);
    });

    it('a vendor failure leaves the position, is recorded and logged with the source name, and backs off', async () => {
      const logged: string[] = [];
      // A poller of its own (as another process would run) whose log the test reads.
      const poller = new PullPoller({
        db: h.riposte.database.db,
        audit: h.riposte.audit,
        sources: h.riposte.sources,
        ingest: h.riposte.ingest,
        instances: h.riposte.instances,
        http: h.riposte.outbound,
        targets: () => pullTargets(h.riposte.integrations.list()),
        onError: (error, message) => void logged.push(`${message}: ${(error as Error).message}`),
      });
      try {
        for (const [fault, pattern, waitAtLeast] of [
          ['server_error', /500/, 300],
          ['unauthorized', /Defender refused \/api\/alerts \(401\)/, 600],
          ['no_value', /without "value"/, 1200],
          ['rate_limited', /429/, 2400],
        ] as const) {
          const position = (await row('mde-alerts'))!.cursor;
          mde.alertList.fault = fault;
          await pollNow(h.riposte, 'mde-alerts');
          const [poll] = (await poller.pollDue()).filter((p) => p.source === 'mde-alerts');
          assert.match(poll?.error ?? '', pattern);
          const after = (await row('mde-alerts'))!;
          assert.equal(after.cursor, position, `${fault}: the position stays`);
          assert.equal(after.claim, null);
          assert.ok(
            after.next_poll_at >= new Date(Date.now() + (waitAtLeast - 5) * 1000).toISOString(),
            `${fault}: ${after.next_poll_at}`,
          );
          assert.match(logged.at(-1) ?? '', /pulling source mde-alerts from defender instance mde failed/);
        }
        const pull = await pullOf('mde-alerts');
        assert.equal(pull.failures, 4);
        assert.match(pull.lastError.message, /429/);
        mde.alertList.fault = null;
        mde.alertList.put(mdeAlert(9, minutesAgo(0.1)));
        await pollNow(h.riposte, 'mde-alerts');
        const [recovered] = (await poller.pollDue()).filter((p) => p.source === 'mde-alerts');
        assert.deepEqual([recovered?.error, recovered?.stored], [null, 1]);
        assert.equal((await pullOf('mde-alerts')).failures, 0);
      } finally {
        await poller.close();
      }
    });

    it('of two processes polling at once, one polls a source', async () => {
      const other = await anotherProcess();
      try {
        await pollNow(h.riposte, 'mde-alerts');
        const [a, b] = await Promise.all([h.riposte.pulls.pollDue(), other.pulls.pollDue()]);
        const polls = [...a, ...b].filter((p) => p.source === 'mde-alerts');
        assert.equal(polls.length, 1, JSON.stringify(polls));
      } finally {
        await other.close();
      }
    });

    it('a poll whose process died is taken over once its lease lapses; the dead claim writes nothing more', async () => {
      const before = (await row('mde-alerts'))!;
      // A process claimed the source and died: its claim stays, due again when the lease ends.
      await h.riposte.database.db
        .updateTable('source_pull_cursors')
        .set({ claim: 'dead-process', next_poll_at: minutesAgo(1) })
        .where('source', '=', 'mde-alerts')
        .execute();
      const [poll] = (await h.riposte.pulls.pollDue()).filter((p) => p.source === 'mde-alerts');
      assert.equal(poll?.error, null);
      const taken = (await row('mde-alerts'))!;
      assert.equal(taken.claim, null);
      const late = await h.riposte.pulls.store.savePage(
        'mde-alerts',
        'dead-process',
        { v: 1, query: '', watermark: '2000-01-01T00:00:00.000Z', sweep: null, seen: {} },
        { records: 1, stored: 1, duplicates: 0, rejected: 0 },
        minutesAgo(-5),
      );
      assert.equal(late, false, 'the position is not the dead process’s to write');
      assert.equal((await row('mde-alerts'))!.cursor, taken.cursor);
      assert.notEqual(taken.last_poll_at, before.last_poll_at);
    });

    it('pulls CrowdStrike Falcon alerts and Okta System Log events (the default filter keeps security events)', async () => {
      for (const [name, format, instance] of [
        ['falcon-alerts', 'crowdstrike', 'falcon'],
        ['okta-log', 'okta', 'acme'],
      ] as const) {
        const res = await api('POST', '/api/v1/sources', { name, format, options: { pull: { instance } } });
        assert.equal(res.statusCode, 201, res.body);
      }
      const polls = await h.riposte.pulls.pollDue();
      assert.equal(polls.find((p) => p.source === 'falcon-alerts')?.stored, 2);
      assert.equal(polls.find((p) => p.source === 'okta-log')?.stored, 2);
      assert.deepEqual(await titles('falcon-alerts'), ['CredentialDumping 1', 'CredentialDumping 2']);
      const oktaAlerts = (await h.riposte.alerts.list({ source: 'okta-log', limit: 10 })).items;
      assert.deepEqual(oktaAlerts.map((a) => a.rule?.id).sort(), [
        'security.threat.detected',
        'user.account.lock',
      ]);
      const falconQuery = falcon.requests.find((r) => r.path === '/alerts/queries/alerts/v2');
      assert.match(falconQuery?.query.get('filter') ?? '', /^updated_timestamp:>='/);
      okta.logs.add(oktaEvent(4, 'security.threat.detected', minutesAgo(0), 'WARN'));
      const [next] = await pollOne(h.riposte, 'okta-log');
      assert.equal(next?.stored, 1);
      assert.ok(okta.requests.at(-1)?.query.get('after'), "Okta's next link");
    });

    it('a source moved to another instance starts over; one taken off and put back goes on; a deleted one forgets its position', async () => {
      await api('PUT', '/api/v1/integrations/defender/instances/mde-copy', {
        fields: {
          base_url: mde.url,
          tenant_id: mde.tenantId,
          client_id: mde.clientId,
          client_secret: mde.clientSecret,
          token_url: mde.tokenUrl,
        },
      });
      const moved = await api('PATCH', '/api/v1/sources/mde-alerts', {
        options: { pull: { instance: 'mde-copy', page_size: 100 } },
      });
      assert.equal(moved.statusCode, 200, moved.body);
      const [poll] = await h.riposte.pulls.pollDue().then((p) => p.filter((x) => x.source === 'mde-alerts'));
      assert.deepEqual(
        [poll?.records, poll?.stored, poll?.duplicates],
        [9, 0, 9],
        'read again from the lookback, counted by dedup',
      );
      assert.equal((await row('mde-alerts'))!.instance, 'mde-copy');
      // Taken off, it is not polled; put back on the same instance, it goes on from its position.
      const before = await pullOf('mde-alerts');
      assert.ok(before.position, 'a position to keep');
      assert.equal((await api('PATCH', '/api/v1/sources/mde-alerts', { options: {} })).statusCode, 200);
      await pollNow(h.riposte, 'mde-alerts').then(
        () => assert.fail('pull now on a source that no longer pulls'),
        (error: Error) => assert.match(error.message, /not pulled/),
      );
      const whileOff = await h.riposte.pulls.pollDue();
      assert.equal(whileOff.filter((p) => p.source === 'mde-alerts').length, 0);
      const back = await api('PATCH', '/api/v1/sources/mde-alerts', {
        options: { pull: { instance: 'mde-copy', page_size: 100 } },
      });
      assert.equal(back.statusCode, 200, back.body);
      const resumed = await pullOf('mde-alerts');
      assert.equal(resumed.position, before.position);
      assert.deepEqual(resumed.records, before.records);
      assert.equal((await api('DELETE', '/api/v1/sources/mde-alerts')).statusCode, 204);
      assert.equal(await row('mde-alerts'), undefined);
    });

    it('the CLI creates a pulled source with --options and lists how its polls go', async () => {
      const cli = (args: string[]) => {
        const r = spawnSync(process.execPath, [BIN, ...args], {
          env: processEnv(h.db),
          encoding: 'utf8',
          timeout: 60_000,
        });
        return { code: r.status, stdout: r.stdout, stderr: r.stderr };
      };
      const created = cli([
        'source',
        'create',
        '--name',
        'edr-cli',
        '--format',
        'crowdstrike',
        '--options',
        '{"pull":{"instance":"falcon","every_seconds":120}}',
      ]);
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stdout, /^rps_/);
      const refused = cli([
        'source',
        'create',
        '--name',
        'edr-cli-2',
        '--format',
        'crowdstrike',
        '--options',
        '{"pull":{"instance":"nope"}}',
      ]);
      assert.notEqual(refused.code, 0);
      assert.match(
        refused.stderr,
        /options\.pull\.instance: the crowdstrike integration has no instance "nope"/,
      );
      await h.riposte.pulls.pollDue();
      const listed = cli(['source', 'list']);
      assert.equal(listed.code, 0, listed.stderr);
      const line = listed.stdout.split('\n').find((l) => l.startsWith('edr-cli\t'));
      assert.match(line ?? '', /pulled from crowdstrike\/falcon every 120 s\tlast pulled 20/);
    });

    it('a source over its alert limit waits: not a failure, the position stays, the page is read again', async () => {
      const created = await api('POST', '/api/v1/sources', {
        name: 'mde-limited',
        format: 'defender',
        alertLimitPerMinute: 3,
        options: { pull: { instance: 'mde', page_size: 2, every_seconds: 300 } },
      });
      assert.equal(created.statusCode, 201, created.body);
      // The first page takes two of three; the second needs two and waits for one: 20 s.
      const [limited] = (await h.riposte.pulls.pollDue()).filter((p) => p.source === 'mde-limited');
      assert.deepEqual(
        [limited?.pages, limited?.records, limited?.error, limited?.limitedForSeconds],
        [1, 2, null, 20],
      );
      const pull = await pullOf('mde-limited');
      assert.equal(pull.failures, 0);
      assert.equal(pull.lastError, null);
      assert.deepEqual(pull.records, {
        pulled: 2,
        stored: pull.records.stored,
        duplicates: pull.records.duplicates,
        rejected: 0,
      });
      const wait = Date.parse(pull.nextPollAt) - Date.now();
      assert.ok(wait > 15_000 && wait <= 20_000, `next poll in ${wait} ms`);
      assert.equal(
        (await api('PATCH', '/api/v1/sources/mde-limited', { alertLimitPerMinute: null })).statusCode,
        200,
      );
      const [rest] = await pollOne(h.riposte, 'mde-limited');
      // The rest, and the overlap read again (which dedup counts, not stores).
      assert.deepEqual([rest?.error, rest?.limitedForSeconds], [null, null]);
      assert.ok(rest!.records >= 4, `${rest?.records} records`);
      assert.deepEqual(await titles('mde-limited'), mde.alertList.alerts.map((a) => a.title).sort());
    });
  });
}

for (const kind of databaseKinds()) {
  describe(`the worker clock polls pulled sources (${kind})`, () => {
    let h: Harness;
    let falcon: FakeCrowdStrike;

    before(async () => {
      falcon = await startFakeCrowdStrike({ alerts: [falconAlert(9, minutesAgo(3))] });
      h = await startHarness(kind, { outboundAllow: ['127.0.0.1'] }, { worker: true });
      await h.riposte.instances.put(
        crowdstrike,
        'falcon',
        { fields: { base_url: falcon.url, client_id: falcon.clientId, client_secret: falcon.clientSecret } },
        { id: 'test', type: 'system' },
      );
    });
    after(async () => {
      await h?.close();
      await falcon?.close();
    });

    it('a round of the worker’s clocks starts the poll of a due source, in the background', async () => {
      await h.riposte.sources.create(
        { name: 'falcon-clock', format: 'crowdstrike', options: { pull: { instance: 'falcon' } } },
        { id: 'test', type: 'system' },
      );
      await h.riposte.worker.tick(true);
      await h.riposte.pulls.settled();
      const alerts = (await h.riposte.alerts.list({ source: 'falcon-clock', limit: 10 })).items;
      assert.deepEqual(
        alerts.map((a) => a.title),
        ['CredentialDumping 9'],
      );
    });
  });
}
