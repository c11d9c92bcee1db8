import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { DAY, HOUR, seedDashboard } from '../support/dashboard-seed.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const ACTOR = { id: 'test-setup', type: 'system' as const };

interface AlertItem {
  id: string;
  title: string;
  severity: string;
  caseId: string | null;
  rule: { id?: string; name?: string } | null;
}

for (const kind of databaseKinds()) {
  describe(`alert queue API on ${kind}`, () => {
    let h: Harness;
    const ingested: Record<string, string> = {};
    const seededAt = Date.now();

    before(async () => {
      h = await startHarness(kind);
      const source = await h.as('admin', {
        method: 'POST',
        url: '/api/v1/sources',
        payload: { name: 'sensor', format: 'suricata' },
      });
      const token = source.json().token as string;
      const post = async (key: string, overrides: Parameters<typeof eveAlert>[0]) => {
        const res = await h.app.inject({
          method: 'POST',
          url: '/api/v1/sources/sensor/alerts',
          payload: JSON.stringify(eveAlert(overrides)),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        });
        assert.equal(res.statusCode, 202, res.body);
        ingested[key] = res.json().alertIds[0];
      };
      // Different hosts and hostnames: each alert opens its own case.
      await post('scan1', {
        srcIp: '10.1.0.1',
        sid: 1001,
        signature: 'Port scan detected',
        severity: 1,
        hostname: 'a.example.net',
      });
      await post('scan2', {
        srcIp: '10.1.0.2',
        sid: 1001,
        signature: 'Port scan detected',
        severity: 1,
        hostname: 'b.example.net',
      });
      await post('dns', {
        srcIp: '10.1.0.3',
        sid: 2002,
        signature: 'Suspicious DNS query',
        hostname: 'evil.example.org',
      });
      await post('curl', {
        srcIp: '10.1.0.4',
        sid: 3003,
        signature: 'Curl user agent',
        severity: 3,
        hostname: 'c.example.net',
      });
      await h.riposte.grouping.drain();
      // Older alerts with no case (grouping has nothing to do with them here), one rule known by name only.
      await seedDashboard(h.riposte, seededAt, {
        cases: [],
        tasks: [],
        alerts: [
          {
            source: 'mail',
            ruleId: null,
            ruleName: 'Phish report',
            title: 'Reported',
            severity: 'low',
            ago: 3 * DAY,
          },
          {
            source: 'mail',
            ruleId: null,
            ruleName: 'Phish report',
            title: 'Reported',
            severity: 'low',
            ago: 2 * DAY,
          },
          {
            source: 'mail',
            ruleId: null,
            ruleName: null,
            title: 'Other',
            severity: 'low',
            ago: 2 * DAY + HOUR,
          },
        ],
      });
    });
    after(() => h.close());

    const list = async (query: string): Promise<{ items: AlertItem[]; nextCursor: string | null }> => {
      const res = await h.as('viewer', { method: 'GET', url: `/api/v1/alerts?${query}` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    const titles = async (query: string) => (await list(query)).items.map((a) => a.title);

    it('filters by severity, source, rule (id or name), case and time, newest first', async () => {
      assert.deepEqual(await titles('severity=high'), ['Port scan detected', 'Port scan detected']);
      assert.deepEqual(await titles('source=mail'), ['Reported', 'Other', 'Reported']);
      assert.deepEqual(await titles('rule=1001'), ['Port scan detected', 'Port scan detected']);
      assert.deepEqual(await titles('rule=Phish%20report'), ['Reported', 'Reported']);
      assert.deepEqual(await titles('hasCase=false'), ['Reported', 'Other', 'Reported']);
      assert.equal((await list('hasCase=true')).items.length, 4);
      const since = new Date(Date.now() - DAY).toISOString();
      assert.equal((await list(`from=${since}`)).items.length, 4);
      const until = new Date(seededAt - 2 * DAY - 30 * 60_000).toISOString();
      assert.deepEqual(await titles(`to=${until}`), ['Other', 'Reported']);
      assert.deepEqual(
        await titles(`source=mail&from=${new Date(seededAt - 2 * DAY - 2 * HOUR).toISOString()}`),
        ['Reported', 'Other'],
      );
      const bad = await h.as('viewer', { method: 'GET', url: '/api/v1/alerts?from=yesterday' });
      assert.equal(bad.statusCode, 400);
    });

    it('finds alerts by words of their title or an observable value', async () => {
      assert.deepEqual(await titles('q=10.1.0.3'), ['Suspicious DNS query']);
      assert.deepEqual(await titles('q=evil.example.org'), ['Suspicious DNS query']);
      assert.deepEqual(await titles('q=port%20scan'), ['Port scan detected', 'Port scan detected']);
      assert.deepEqual(await titles('q=10.1.0.2%20scan'), ['Port scan detected']);
      assert.deepEqual(await titles('q=nothing-like-this'), []);
    });

    it('pages with a cursor while keeping the filters', async () => {
      const first = await list('source=mail&limit=2');
      assert.equal(first.items.length, 2);
      assert.ok(first.nextCursor);
      const second = await list(`source=mail&limit=2&cursor=${first.nextCursor}`);
      assert.deepEqual(
        second.items.map((a) => a.title),
        ['Reported'],
      );
      assert.equal(second.nextCursor, null);
    });

    it('attaches alerts to an open case, moving their count, with an outcome per id and audit rows', async () => {
      const target = (await list('rule=3003')).items[0]!.caseId!;
      const scans = (await list('rule=1001')).items.map((a) => a.id);
      const from = (await list('rule=1001')).items.map((a) => a.caseId!);
      const before = (await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${target}` })).json();
      const res = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/alerts/bulk',
        payload: { action: 'attach', caseId: target, ids: [...scans, 'alert_nope'] },
      });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.caseId, target);
      assert.equal(body.done, 2);
      assert.deepEqual(
        body.results.map((r: { outcome: string }) => r.outcome),
        ['done', 'done', 'not_found'],
      );
      const after = (await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${target}` })).json();
      assert.equal(after.alertCount, before.alertCount + 2);
      assert.equal(after.severity, 'high', 'the case takes the severity of its most severe alert');
      assert.ok(after.observables.some((o: { value: string }) => o.value === '10.1.0.1'));
      for (const id of scans) {
        const alert = (await h.as('viewer', { method: 'GET', url: `/api/v1/alerts/${id}` })).json();
        assert.equal(alert.caseId, target);
      }
      // Each scan had a case of its own, which it left.
      assert.equal(new Set(from).size, 2);
      for (const id of from) {
        const left = (await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${id}` })).json();
        assert.equal(left.alertCount, 0);
      }
      const audit = await h.riposte.database.db
        .selectFrom('audit_log')
        .select(['action', 'target_id', 'actor'])
        .where('action', 'in', ['alert.move', 'case.add_alerts'])
        .execute();
      assert.deepEqual(audit.map((a) => a.action).sort(), ['alert.move', 'alert.move', 'case.add_alerts']);
      assert.ok(audit.every((a) => a.actor === 'token:test-analyst'));
      const again = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/alerts/bulk',
        payload: { action: 'attach', caseId: target, ids: scans },
      });
      assert.equal(again.json().done, 0);
      assert.deepEqual(
        again.json().results.map((r: { outcome: string }) => r.outcome),
        ['unchanged', 'unchanged'],
      );
    });

    it('opens a new case from alerts, and sets the severity of alerts (raising their case)', async () => {
      const mail = (await list('source=mail')).items.map((a) => a.id);
      const opened = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/alerts/bulk',
        payload: { action: 'open_case', ids: mail, title: 'Phishing wave' },
      });
      assert.equal(opened.statusCode, 200, opened.body);
      const caseId = opened.json().caseId as string;
      const kase = (await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${caseId}` })).json();
      assert.equal(kase.title, 'Phishing wave');
      assert.equal(kase.alertCount, 3);
      assert.equal(kase.severity, 'low');
      assert.ok(kase.timeline.some((t: { action: string }) => t.action === 'case.create'));
      const raised = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/alerts/bulk',
        payload: { action: 'set_severity', severity: 'critical', ids: [mail[0]] },
      });
      assert.equal(raised.json().done, 1);
      const alert = (await h.as('viewer', { method: 'GET', url: `/api/v1/alerts/${mail[0]}` })).json();
      assert.equal(alert.severity, 'critical');
      assert.deepEqual(await titles('severity=critical'), [alert.title]);
      const after = (await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${caseId}` })).json();
      assert.equal(after.severity, 'critical');
    });

    it('refuses a closed case, an unknown action and too many ids', async () => {
      const dns = (await list('rule=2002')).items[0]!;
      const closed = await h.as('analyst', {
        method: 'PATCH',
        url: `/api/v1/cases/${dns.caseId}`,
        payload: { status: 'closed', resolution: 'benign_positive' },
      });
      assert.equal(closed.statusCode, 200, closed.body);
      const other = (await list('source=mail')).items[0]!;
      const res = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/alerts/bulk',
        payload: { action: 'attach', caseId: dns.caseId, ids: [other.id] },
      });
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().code, 'invalid_state');
      const unknown = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/alerts/bulk',
        payload: { action: 'delete', ids: [other.id] },
      });
      assert.equal(unknown.statusCode, 400);
      const many = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/alerts/bulk',
        payload: {
          action: 'set_severity',
          severity: 'low',
          ids: Array.from({ length: 501 }, (_, i) => `a${i}`),
        },
      });
      assert.equal(many.statusCode, 400);
    });

    it('saves views: private to their owner unless shared, deleted by their owner or an admin', async () => {
      await h.riposte.users.create(
        { username: 'dana', role: 'analyst', password: 'a long enough password' },
        ACTOR,
      );
      const save = (role: 'analyst' | 'viewer', payload: Record<string, unknown>) =>
        h.as(role, { method: 'POST', url: '/api/v1/views', payload });
      const mine = await save('analyst', {
        name: 'High only',
        page: 'alerts',
        query: 'severity=high&cursor=abc',
      });
      assert.equal(mine.statusCode, 201, mine.body);
      assert.equal(mine.json().query, 'severity=high', 'the cursor is not part of a view');
      assert.equal(mine.json().owner, 'token:test-analyst');
      const shared = await save('analyst', {
        name: 'Mail',
        page: 'alerts',
        query: 'source=mail',
        shared: true,
      });
      const casesView = await save('analyst', { name: 'Open', page: 'cases', query: 'status=open' });
      assert.equal(casesView.statusCode, 201);
      const duplicate = await save('analyst', {
        name: 'High only',
        page: 'alerts',
        query: 'severity=critical',
      });
      assert.equal(duplicate.statusCode, 409);
      const names = async (role: 'analyst' | 'viewer' | 'admin', page = 'alerts') =>
        (await h.as(role, { method: 'GET', url: `/api/v1/views?page=${page}` }))
          .json()
          .items.map((v: { name: string }) => v.name);
      assert.deepEqual(await names('analyst'), ['High only', 'Mail']);
      assert.deepEqual(await names('analyst', 'cases'), ['Open']);
      assert.deepEqual(await names('viewer'), ['Mail']);
      const foreignPrivate = await h.as('viewer', {
        method: 'DELETE',
        url: `/api/v1/views/${mine.json().id}`,
      });
      assert.equal(foreignPrivate.statusCode, 404);
      const foreignShared = await h.as('viewer', {
        method: 'DELETE',
        url: `/api/v1/views/${shared.json().id}`,
      });
      assert.equal(foreignShared.statusCode, 403);
      const byAdmin = await h.as('admin', { method: 'DELETE', url: `/api/v1/views/${shared.json().id}` });
      assert.equal(byAdmin.statusCode, 204);
      const byOwner = await h.as('analyst', { method: 'DELETE', url: `/api/v1/views/${mine.json().id}` });
      assert.equal(byOwner.statusCode, 204);
      assert.deepEqual(await names('analyst'), []);
      const audit = await h.riposte.database.db
        .selectFrom('audit_log')
        .select('action')
        .where('target_type', '=', 'view')
        .execute();
      assert.deepEqual(audit.map((a) => a.action).sort(), [
        'view.create',
        'view.create',
        'view.create',
        'view.delete',
        'view.delete',
      ]);
    });
  });
}
