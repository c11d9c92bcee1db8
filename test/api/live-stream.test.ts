import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { openRiposte, type Riposte } from '../../src/riposte.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { openSse, type SseReader } from '../support/sse-reader.ts';
import { databaseKinds } from '../support/test-databases.ts';

const ACTOR = { id: 'test-setup', type: 'system' as const };

const PLAYBOOK = `
id: live_echo
name: Echo every Suricata alert
triggers:
  alert: \${{ alert.source == "live-lab" }}
steps:
  - id: echo
    uses: core.echo
    with:
      title: \${{ alert.title }}
`;

async function listen(h: Harness): Promise<string> {
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const address = h.app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

for (const kind of databaseKinds()) {
  describe(`live stream on ${kind}`, () => {
    let h: Harness;
    let base: string;
    let sourceToken: string;
    const open: SseReader[] = [];
    const stream = async (query = '', headers?: Record<string, string>) => {
      const reader = await openSse(
        `${base}/api/v1/stream${query}`,
        headers ?? { authorization: `Bearer ${h.tokens.viewer}` },
      );
      open.push(reader);
      return reader;
    };
    const ingest = async (overrides: Parameters<typeof eveAlert>[0]) => {
      const res = await fetch(`${base}/api/v1/sources/live-lab/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${sourceToken}` },
        body: JSON.stringify(eveAlert(overrides)),
      });
      assert.equal(res.status, 202);
      return ((await res.json()) as { alertIds: string[] }).alertIds[0]!;
    };

    before(async () => {
      h = await startHarness(kind, {}, { worker: true });
      const source = await h.as('admin', {
        method: 'POST',
        url: '/api/v1/sources',
        payload: { name: 'live-lab', format: 'suricata' },
      });
      sourceToken = source.json().token;
      const saved = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks',
        payload: { source: PLAYBOOK },
      });
      assert.equal(saved.statusCode, 201, saved.body);
      base = await listen(h);
    });
    after(async () => {
      for (const reader of open) reader.close();
      await h.close();
    });

    it('streams a new alert, its case and the run it triggers until the run finishes', async () => {
      const live = await stream();
      assert.equal(live.status, 200);
      assert.match(live.contentType ?? '', /^text\/event-stream/);
      const alertId = await ingest({ srcIp: '10.9.8.7', sid: 4242001, signature: 'Live test signature' });
      const created = await live.next(
        (e) => e.event === 'alert.created' && e.data.id === alertId,
        `alert.created for ${alertId}`,
      );
      assert.equal(created.data.title, 'Live test signature');
      assert.equal(created.data.severity, 'medium');
      const caseId = created.data.caseId as string;
      assert.match(caseId, /^case_/, 'the alert is announced once grouped, with its case');
      await live.next(
        (e) => e.event === 'case.changed' && e.data.id === caseId,
        `case.changed for ${caseId}`,
      );
      const finished = await live.next(
        (e) =>
          e.event === 'run.changed' && e.data.playbookId === 'live_echo' && e.data.status === 'succeeded',
        'run.changed succeeded for live_echo',
      );
      assert.deepEqual(finished.data.step, { key: 'echo', status: 'succeeded' });
      const run = await h.as('viewer', { method: 'GET', url: `/api/v1/runs/${String(finished.data.id)}` });
      assert.equal(run.json().status, 'succeeded');
      assert.equal(run.json().alertId, alertId);
    });

    it('tells a change another process made to the same database', async () => {
      const live = await stream();
      const config = loadConfig({}, { dataDir: h.db.dataDir, databaseUrl: h.db.url, logLevel: 'silent' });
      const other: Riposte = await openRiposte(config);
      try {
        const result = await other.ingest.ingest(
          await other.sources.get('live-lab'),
          JSON.stringify(eveAlert({ srcIp: '10.7.7.7', sid: 4242002, signature: 'From the other process' })),
          'application/json',
          ACTOR,
        );
        await other.grouping.drain();
        const alertId = result.alertIds[0]!;
        const created = await live.next(
          (e) => e.event === 'alert.created' && e.data.id === alertId,
          `alert.created for ${alertId} written by the other process`,
        );
        const caseId = created.data.caseId as string;
        await other.cases.comment(caseId, 'seen from the other process', ACTOR);
        await live.next(
          (e) => e.event === 'case.changed' && e.data.id === caseId,
          `case.changed for ${caseId} written by the other process`,
        );
        assert.equal(
          live.events.filter((e) => e.event === 'alert.created' && e.data.id === alertId).length,
          1,
          'announced once',
        );
      } finally {
        await other.close();
      }
    });

    it('keeps to the requested types and closes after max events', async () => {
      const live = await stream('?types=case.changed&max=1');
      // The grouping stage announces the alert before its case: only the case gets through.
      await ingest({ srcIp: '10.6.6.6', sid: 4242003, signature: 'Typed stream' });
      await live.ended;
      assert.deepEqual(
        live.events.map((e) => e.event),
        ['case.changed'],
      );
      const bad = await fetch(`${base}/api/v1/stream?types=everything`, {
        headers: { authorization: `Bearer ${h.tokens.viewer}` },
      });
      assert.equal(bad.status, 400);
    });

    it('answers with the session cookie, and refuses without credentials', async () => {
      await h.riposte.users.create(
        { username: 'watcher', role: 'viewer', password: 'a long enough password' },
        ACTOR,
      );
      const login = await fetch(`${base}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'watcher', password: 'a long enough password' }),
      });
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
      const live = await stream('', { cookie });
      assert.equal(live.status, 200);
      const anonymous = await fetch(`${base}/api/v1/stream`);
      assert.equal(anonymous.status, 401);
    });
  });
}

describe('live stream and shutdown', () => {
  it('ends open streams so a graceful shutdown does not wait for them', async () => {
    const h = await startHarness('sqlite');
    const base = await listen(h);
    const live = await openSse(`${base}/api/v1/stream`, { authorization: `Bearer ${h.tokens.viewer}` });
    assert.equal(live.status, 200);
    await h.server.shutdown();
    await live.ended;
    await h.riposte.close();
    await h.db.drop();
  });
});
