import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.ts';
import { databaseKinds } from '../support/test-databases.ts';

/**
 * A source expected to send within a time (`expectWithinSeconds`) is reported silent once when it
 * stays quiet longer, and resumed once when it sends again: audited, raised as an alert, sent to the
 * notification webhook, shown by the API and in /metrics (docs/ingest.md#silent-sources).
 */
async function until(probe: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !probe(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(probe(), `timed out waiting for ${what}`);
}

for (const kind of databaseKinds()) {
  describe(`silent sources on ${kind}`, () => {
    let h: Harness;
    let webhook: WebhookSink;
    let token: string;

    before(async () => {
      webhook = await startWebhookSink();
      h = await startHarness(kind, { notifyWebhookUrl: webhook.url, publicUrl: 'https://soar.example' });
      const res = await h.as('admin', {
        method: 'POST',
        url: '/api/v1/sources',
        payload: { name: 'edr', format: 'suricata', expectWithinSeconds: 60 },
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().expectWithinSeconds, 60);
      assert.equal(res.json().silentSince, null);
      assert.equal(res.json().lastReceivedAt, null);
      token = res.json().token as string;
    });
    after(async () => {
      await h.close();
      webhook.server.close();
    });

    const row = () =>
      h.riposte.database.db
        .selectFrom('sources')
        .selectAll()
        .where('name', '=', 'edr')
        .executeTakeFirstOrThrow();
    const auditOf = async (action: string) =>
      h.riposte.database.db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', action)
        .where('target_id', '=', 'edr')
        .execute();
    const send = async (event: Record<string, unknown>) => {
      const res = await h.app.inject({
        method: 'POST',
        url: '/api/v1/sources/edr/alerts',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        payload: JSON.stringify(event),
      });
      assert.equal(res.statusCode, 202, res.body);
      await h.riposte.sources.settled();
      return res.json();
    };

    it('refuses an expectation that is not whole seconds from a minute to thirty days, and the reserved name, naming the field', async () => {
      for (const bad of [59, 1.5, 30 * 86_400 + 1, -60]) {
        const res = await h.as('admin', {
          method: 'PATCH',
          url: '/api/v1/sources/edr',
          payload: { expectWithinSeconds: bad },
        });
        assert.equal(res.statusCode, 400, `${bad}: ${res.body}`);
        assert.equal(res.json().path, '/expectWithinSeconds', res.body);
      }
      const reserved = await h.as('admin', {
        method: 'POST',
        url: '/api/v1/sources',
        payload: { name: 'riposte', format: 'ocsf' },
      });
      assert.equal(reserved.statusCode, 400, reserved.body);
      assert.equal(reserved.json().path, '/name');
      assert.match(reserved.json().detail, /reserved for Riposte's own alerts/);
      const text = await h.as('admin', {
        method: 'PATCH',
        url: '/api/v1/sources/edr',
        payload: { expectWithinSeconds: '1h' },
      });
      assert.equal(text.statusCode, 400, text.body);
      assert.match(text.body, /expectWithinSeconds/);
      assert.equal(Number((await row()).expect_within_seconds), 60, 'nothing changed');
    });

    it('reports a quiet source silent once, from however many processes, then resumed once when it sends', async () => {
      const watchedSince = Date.parse((await row()).watched_since!);
      // Within its minute: not silent.
      assert.deepEqual(await h.riposte.sourceWatch.check(watchedSince + 59_000), { silent: [], resumed: [] });
      // Past it, two looks at once (two worker processes): one reports it.
      const looks = await Promise.all([
        h.riposte.sourceWatch.check(watchedSince + 61_000),
        h.riposte.sourceWatch.check(watchedSince + 61_000),
      ]);
      assert.deepEqual(
        looks.flatMap((l) => l.silent),
        ['edr'],
      );
      assert.deepEqual(await h.riposte.sourceWatch.check(watchedSince + 120_000), {
        silent: [],
        resumed: [],
      });
      const silentSince = (await row()).silent_since;
      assert.equal(silentSince, new Date(watchedSince + 61_000).toISOString());
      const audited = await auditOf('source.silent');
      assert.equal(audited.length, 1);
      assert.deepEqual(JSON.parse(audited[0]!.details), { expectWithinSeconds: 60, lastReceivedAt: null });
      await until(() => webhook.bodies.some((b) => b.kind === 'source_silent'), 'the silence notice');
      const notice = webhook.bodies.find((b) => b.kind === 'source_silent')!;
      assert.equal(notice.source, 'edr');
      assert.equal(notice.format, 'suricata');
      assert.equal(notice.expectWithinSeconds, 60);
      assert.equal(notice.silentSince, silentSince);
      assert.equal(notice.url, 'https://soar.example/ui/settings?tab=sources');
      // The SOC sees it in the alert queue: an alert from Riposte itself, in a case of its own.
      assert.equal(typeof notice.alertId, 'string');
      const raised = await h.as('viewer', {
        method: 'GET',
        url: `/api/v1/alerts/${notice.alertId as string}`,
      });
      assert.equal(raised.statusCode, 200, raised.body);
      const alert = raised.json();
      assert.equal(alert.source, 'riposte');
      assert.equal(alert.title, 'Ingest source edr is silent');
      assert.equal(alert.severity, 'medium');
      assert.equal(alert.rule.id, 'riposte.source_silent');
      assert.match(
        alert.description,
        /expected to send within 60 seconds; nothing has been accepted from it/,
      );
      assert.equal(alert.eventTime, silentSince);
      await h.riposte.grouping.drain();
      assert.ok((await h.riposte.alerts.get(alert.id)).caseId, 'it opened a case');

      const listed = await h.as('admin', { method: 'GET', url: '/api/v1/sources' });
      const edr = listed.json().items.find((s: { name: string }) => s.name === 'edr');
      assert.equal(edr.silentSince, silentSince);
      const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /riposte_source_silent\{source="edr"\} 1/);

      // It sends again: resumed at the next look, once.
      await send(eveAlert({ sid: 6101 }));
      const received = (await row()).last_received_at;
      assert.ok(received && Date.parse(received) > Date.now() - 60_000, String(received));
      const back = await h.riposte.sourceWatch.check();
      assert.deepEqual(back, { silent: [], resumed: ['edr'] });
      assert.deepEqual(await h.riposte.sourceWatch.check(), { silent: [], resumed: [] });
      assert.equal((await row()).silent_since, null);
      const resumed = await auditOf('source.resumed');
      assert.equal(resumed.length, 1);
      assert.equal(JSON.parse(resumed[0]!.details).silentSince, silentSince);
      await until(() => webhook.bodies.some((b) => b.kind === 'source_resumed'), 'the resumption notice');
      const again = webhook.bodies.find((b) => b.kind === 'source_resumed')!;
      assert.equal(again.silentSince, silentSince);
      assert.equal(again.lastReceivedAt, received);
      assert.equal((await h.riposte.audit.verify(h.riposte.database.db)).ok, true);
    });

    it('counts a body of duplicates as the source being alive, and writes the time at most every ten seconds', async () => {
      const event = eveAlert({ sid: 6102 });
      await send(event);
      const first = (await row()).last_received_at;
      const repeat = await send(event);
      assert.equal(repeat.duplicates, 1);
      assert.equal(
        (await row()).last_received_at,
        first,
        'within ten seconds of the last write: not written',
      );
      // A source that sent only duplicates is not silent.
      assert.deepEqual(await h.riposte.sourceWatch.check(Date.parse(first!) + 30_000), {
        silent: [],
        resumed: [],
      });
    });

    it('stops watching when the expectation is removed, and forgets the silence with it', async () => {
      const watchedSince = Date.parse((await row()).last_received_at!);
      assert.deepEqual((await h.riposte.sourceWatch.check(watchedSince + 3_600_000)).silent, ['edr']);
      const res = await h.as('admin', {
        method: 'PATCH',
        url: '/api/v1/sources/edr',
        payload: { expectWithinSeconds: null },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().expectWithinSeconds, null);
      assert.equal(res.json().silentSince, null);
      assert.deepEqual(await h.riposte.sourceWatch.check(watchedSince + 7_200_000), {
        silent: [],
        resumed: [],
      });
      // Watched again: from now, not from its last alert.
      const watched = await h.as('admin', {
        method: 'PATCH',
        url: '/api/v1/sources/edr',
        payload: { expectWithinSeconds: 3600 },
      });
      assert.equal(watched.statusCode, 200, watched.body);
      const since = Date.parse((await row()).watched_since!);
      assert.ok(since >= watchedSince);
      assert.deepEqual((await h.riposte.sourceWatch.check(since + 3_599_000)).silent, []);
    });
  });
}

describe('the worker watches for silent sources by itself', () => {
  let h: Harness;
  after(() => h.close());

  it('reports a source quiet past its expectation within a tick of starting', async () => {
    h = await startHarness(
      'sqlite',
      {},
      {
        worker: true,
        setup: async (riposte) => {
          await riposte.sources.create(
            { name: 'quiet-fw', format: 'cef', expectWithinSeconds: 60 },
            { id: 't', type: 'system' },
          );
          await riposte.database.db
            .updateTable('sources')
            .set({ watched_since: new Date(Date.now() - 120_000).toISOString() })
            .where('name', '=', 'quiet-fw')
            .execute();
        },
      },
    );
    const silent = async () =>
      (
        await h.riposte.database.db
          .selectFrom('sources')
          .select('silent_since')
          .where('name', '=', 'quiet-fw')
          .executeTakeFirstOrThrow()
      ).silent_since;
    for (let i = 0; i < 200 && (await silent()) === null; i++) await new Promise((r) => setTimeout(r, 25));
    assert.notEqual(await silent(), null, 'the worker clock reported it');
  });
});
