import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signBody } from '../../src/sources/source-service.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

for (const kind of databaseKinds()) {
  describe(`ingest API on ${kind}`, () => {
    let h: Harness;
    let token: string;

    before(async () => {
      h = await startHarness(kind, { bodyLimit: 64 * 1024 });
      const created = await h.as('admin', {
        method: 'POST',
        url: '/api/v1/sources',
        payload: { name: 'suricata-lab', format: 'suricata' },
      });
      assert.equal(created.statusCode, 201, created.body);
      token = created.json().token;
      assert.match(token, /^rps_/);
    });
    after(() => h.close());

    const post = (body: string, headers: Record<string, string> = {}) =>
      h.app.inject({
        method: 'POST',
        url: '/api/v1/sources/suricata-lab/alerts',
        payload: body,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      });

    it('/metrics shows the clock offset, and the SQLite checkpoint thread at work (SQLite only: PostgreSQL has none)', async () => {
      const res = await post(JSON.stringify(eveAlert({ srcIp: '10.1.9.9', sid: 7701 })));
      assert.equal(res.statusCode, 202, res.body);
      await h.riposte.database.checkpointer?.idle();
      const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
      // One clock here: the database's and this process's differ by the round trip's noise.
      const offset = /^riposte_database_clock_offset_seconds (\S+)$/m.exec(metrics)?.[1];
      assert.ok(offset !== undefined && Math.abs(Number(offset)) < 1, `clock offset ${offset}`);
      // What each source sent lately: this one, a moment ago.
      const age = /^riposte_source_last_alert_age_seconds\{source="suricata-lab"\} (\S+)$/m.exec(
        metrics,
      )?.[1];
      assert.ok(age !== undefined && Number(age) >= 0 && Number(age) < 60, `last alert age ${age}`);
      assert.match(metrics, /^riposte_source_alerts_last_hour\{source="suricata-lab"\} [1-9]\d*$/m);
      if (kind === 'postgres') {
        assert.doesNotMatch(metrics, /riposte_sqlite_/);
        return;
      }
      assert.match(metrics, /^riposte_sqlite_checkpoints [1-9]\d*$/m);
      assert.match(metrics, /^riposte_sqlite_wal_frames \d+$/m);
      assert.match(metrics, /^riposte_sqlite_checkpoint_thread_up 1$/m);
    });

    it('stores one event, answers 202 with its id, and the alert reads back normalized', async () => {
      const res = await post(JSON.stringify(eveAlert({ srcIp: '10.1.1.1' })));
      assert.equal(res.statusCode, 202, res.body);
      const body = res.json();
      assert.equal(body.accepted, 1);
      assert.equal(body.duplicates, 0);
      assert.deepEqual(body.rejected, []);
      assert.equal(body.alertIds.length, 1);
      await h.riposte.grouping.drain();

      const alert = (
        await h.as('viewer', { method: 'GET', url: `/api/v1/alerts/${body.alertIds[0]}` })
      ).json();
      assert.equal(alert.source, 'suricata-lab');
      assert.equal(alert.format, 'suricata');
      assert.equal(alert.title, 'ET POLICY curl User-Agent Outbound');
      assert.equal(alert.severity, 'medium');
      assert.equal(alert.rule.id, '2013028');
      assert.equal(alert.count, 1);
      assert.ok(alert.caseId, 'the alert was grouped into a case');
      assert.ok(
        alert.observables.some(
          (o: { type: string; value: string; role: string }) =>
            o.type === 'ipv4' && o.value === '10.1.1.1' && o.role === 'source',
        ),
      );
      assert.equal(alert.raw.alert.signature_id, 2013028, 'the raw event is kept');
    });

    it('takes a JSON array and NDJSON, and counts duplicates instead of storing them twice', async () => {
      const events = [eveAlert({ srcIp: '10.2.2.2', sid: 1 }), eveAlert({ srcIp: '10.2.2.3', sid: 2 })];
      const array = await post(JSON.stringify(events));
      assert.equal(array.statusCode, 202, array.body);
      assert.equal(array.json().accepted, 2);

      const ndjson = await post(events.map((e) => JSON.stringify(e)).join('\n') + '\n', {
        'content-type': 'application/x-ndjson',
      });
      assert.equal(ndjson.statusCode, 202, ndjson.body);
      assert.equal(ndjson.json().accepted, 0);
      assert.equal(ndjson.json().duplicates, 2);
      assert.deepEqual(
        ndjson.json().alertIds,
        array.json().alertIds,
        'duplicates answer with the stored alert ids',
      );

      const alert = (
        await h.as('viewer', { method: 'GET', url: `/api/v1/alerts/${array.json().alertIds[0]}` })
      ).json();
      assert.equal(alert.count, 2);
    });

    it('keeps the valid records of a request and rejects the others with index and reason', async () => {
      const lines = [
        JSON.stringify(eveAlert({ srcIp: '10.3.3.3', sid: 3 })),
        '{"broken": ',
        JSON.stringify({ event_type: 'alert' }),
        JSON.stringify(eveAlert({ srcIp: '10.3.3.4', sid: 4 })),
      ];
      const res = await post(lines.join('\n'), { 'content-type': 'application/x-ndjson' });
      assert.equal(res.statusCode, 202, res.body);
      const body = res.json();
      assert.equal(body.accepted, 2);
      assert.deepEqual(
        body.rejected.map((r: { index: number }) => r.index),
        [1, 2],
      );
      assert.match(body.rejected[0].error, /line 2|JSON/i);
      assert.ok(body.rejected[1].path, 'a normalization rejection names the field');
    });

    it('answers 400 problem+json when no record is valid, and stores nothing', async () => {
      const before = (await h.as('viewer', { method: 'GET', url: '/api/v1/alerts?limit=500' })).json().items
        .length;
      const res = await post('{"not": "closed"');
      assert.equal(res.statusCode, 400);
      assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(res.json().code, 'no_valid_records');
      const afterCount = (await h.as('viewer', { method: 'GET', url: '/api/v1/alerts?limit=500' })).json()
        .items.length;
      assert.equal(afterCount, before);
    });

    it('refuses a missing, wrong or foreign token with 401 and the same answer for unknown sources', async () => {
      const body = JSON.stringify(eveAlert());
      assert.equal((await post(body, { authorization: '' })).json().code, 'unauthenticated');
      assert.equal((await post(body, { authorization: 'Bearer rps_wrong' })).json().code, 'invalid_token');
      const unknown = await h.app.inject({
        method: 'POST',
        url: '/api/v1/sources/nope/alerts',
        payload: body,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      });
      assert.equal(unknown.statusCode, 401);
      assert.equal(unknown.json().code, 'invalid_token');
      const apiToken = await post(body, { authorization: `Bearer ${h.tokens.admin}` });
      assert.equal(apiToken.statusCode, 401, 'an API token is not a source token');
    });

    it('accepts a fresh HMAC signature and refuses a stale or wrong one', async () => {
      const body = JSON.stringify(eveAlert({ srcIp: '10.4.4.4', sid: 5 }));
      const good = await post(body, { authorization: '', 'x-riposte-signature': signBody(token, body) });
      assert.equal(good.statusCode, 202, good.body);
      const stale = await post(body, {
        authorization: '',
        'x-riposte-signature': signBody(token, body, Math.floor(Date.now() / 1000) - 301),
      });
      assert.equal(stale.statusCode, 401);
      assert.equal(stale.json().code, 'stale_signature');
      const tampered = await post(body + ' ', {
        authorization: '',
        'x-riposte-signature': signBody(token, body),
      });
      assert.equal(tampered.json().code, 'invalid_signature');
      const garbled = await post(body, { authorization: '', 'x-riposte-signature': 'v1=abc' });
      assert.equal(garbled.json().code, 'invalid_signature');
    });

    it('checks the signature over the bytes sent, even ones that are not UTF-8', async () => {
      // A Latin-1 "é" (0xE9) inside the rule's name: not UTF-8, read as U+FFFD, signed as sent.
      const text = JSON.stringify(eveAlert({ srcIp: '10.4.4.5', sid: 6 }));
      const at = text.indexOf('"signature":"') + '"signature":"'.length;
      const bytes = Buffer.concat([
        Buffer.from(text.slice(0, at)),
        Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20]),
        Buffer.from(text.slice(at)),
      ]);
      const signed = await h.app.inject({
        method: 'POST',
        url: '/api/v1/sources/suricata-lab/alerts',
        payload: bytes,
        headers: { 'content-type': 'application/json', 'x-riposte-signature': signBody(token, bytes) },
      });
      assert.equal(signed.statusCode, 202, signed.body);
      const alert = (
        await h.as('viewer', { method: 'GET', url: `/api/v1/alerts/${signed.json().alertIds[0]}` })
      ).json();
      assert.ok(alert.rule.name.startsWith('Caf\uFFFD '), alert.rule.name);
      const reencoded = await h.app.inject({
        method: 'POST',
        url: '/api/v1/sources/suricata-lab/alerts',
        payload: bytes,
        headers: {
          'content-type': 'application/json',
          'x-riposte-signature': signBody(token, bytes.toString('utf8')),
        },
      });
      assert.equal(reencoded.json().code, 'invalid_signature', 'the decoded text is not what was signed');
    });

    it('refuses an oversize body with 413 and an unknown content type with 415', async () => {
      const big = JSON.stringify(Array.from({ length: 200 }, () => eveAlert()));
      const res = await post(big);
      assert.equal(res.statusCode, 413);
      assert.equal(res.json().code, 'payload_too_large');
      const form = await post('a=b', { 'content-type': 'application/x-www-form-urlencoded' });
      assert.equal(form.statusCode, 415);
      assert.equal(form.json().code, 'unsupported_media_type');
    });

    it('writes audit rows for the ingest requests (one per commit and sender) and the chain verifies', async () => {
      const audit = await h.as('manager', {
        method: 'GET',
        url: '/api/v1/audit?action=alerts.ingest&limit=1000',
      });
      assert.ok(audit.json().items.length >= 5);
      assert.equal(audit.json().items[0].actor, 'suricata-lab');
      const verify = await h.as('admin', { method: 'GET', url: '/api/v1/audit/verify' });
      assert.equal(verify.json().ok, true);
    });
  });
}
