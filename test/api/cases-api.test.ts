import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { startWhileHeld } from '../support/interleave.ts';
import { databaseKinds } from '../support/test-databases.ts';

for (const kind of databaseKinds()) {
  describe(`cases on ${kind}`, () => {
    let h: Harness;
    let token: string;

    before(async () => {
      h = await startHarness(kind);
      token = (
        await h.riposte.sources.create({ name: 'ids', format: 'suricata' }, { id: 't', type: 'system' })
      ).token;
      await h.riposte.users.create(
        { username: 'alice', role: 'analyst', password: 'correct horse battery' },
        { id: 't', type: 'system' },
      );
    });
    after(() => h.close());

    const ingest = async (events: unknown[]) => {
      const res = await h.app.inject({
        method: 'POST',
        url: '/api/v1/sources/ids/alerts',
        payload: JSON.stringify(events),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      });
      assert.equal(res.statusCode, 202, res.body);
      return res.json().alertIds as string[];
    };
    // Grouping is its own stage after the ingest commit: let it finish before reading cases.
    const alert = async (id: string) => {
      await h.riposte.grouping.drain();
      return (await h.as('viewer', { method: 'GET', url: `/api/v1/alerts/${id}` })).json();
    };
    const getCase = async (id: string) => {
      await h.riposte.grouping.drain();
      return (await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${id}` })).json();
    };
    const closeCase = async (id: string, resolution: string) => {
      const closed = await h.as('analyst', {
        method: 'PATCH',
        url: `/api/v1/cases/${id}`,
        payload: { status: 'closed', resolution },
      });
      assert.equal(closed.statusCode, 200, closed.body);
    };

    it('groups the same rule on the same host into one case and opens another for a new host', async () => {
      const [a, b, c] = await ingest([
        eveAlert({ srcIp: '10.9.0.1', sid: 100, timestamp: '2026-11-20T10:00:00Z', destIp: '198.51.100.1' }),
        eveAlert({ srcIp: '10.9.0.1', sid: 100, timestamp: '2026-11-20T11:00:00Z', destIp: '198.51.100.2' }),
        eveAlert({
          srcIp: '10.9.0.99',
          sid: 100,
          timestamp: '2026-11-20T11:00:00Z',
          destIp: '198.51.100.3',
          hostname: 'other.example.org',
        }),
      ]);
      const [x, y, z] = await Promise.all([alert(a!), alert(b!), alert(c!)]);
      assert.equal(x.caseId, y.caseId);
      assert.notEqual(x.caseId, z.caseId);
      const detail = await getCase(x.caseId);
      assert.equal(detail.alertCount, 2);
      assert.equal(detail.alerts.length, 2);
      assert.ok(detail.observables.some((o: { value: string }) => o.value === '10.9.0.1'));
    });

    it("bounds a big case's observables in its detail and pages through them all", async () => {
      // 300 alerts of one rule against one host and domain, each from its own address: one case, 300
      // source addresses and the shared destination, domain, URL and technique's observables beside.
      const ids = await ingest(
        Array.from({ length: 300 }, (_, i) =>
          eveAlert({
            srcIp: `10.77.${i >> 8}.${i & 255}`,
            sid: 7707,
            destIp: '198.51.100.77',
            hostname: 'paging.example-bad.com',
          }),
        ),
      );
      const caseId = (await alert(ids[0]!)).caseId;
      const detail = await getCase(caseId);
      assert.equal(detail.alertCount, 300);
      assert.equal(detail.observables.length, 200);
      assert.ok(detail.observableCount > 300, String(detail.observableCount));
      assert.equal(typeof detail.observablesNextCursor, 'string');

      const page = (query: string) =>
        h.as('viewer', { method: 'GET', url: `/api/v1/cases/${caseId}/observables${query}` });
      const seen: { type: string; value: string }[] = [...detail.observables];
      for (let cursor = detail.observablesNextCursor; cursor;) {
        const res = await page(`?limit=70&cursor=${cursor}`);
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json();
        assert.ok(body.items.length <= 70);
        assert.ok(Array.isArray(body.enrichment));
        seen.push(...body.items);
        cursor = body.nextCursor;
      }
      const keys = seen.map((o) => `${o.type} ${o.value}`);
      assert.equal(keys.length, detail.observableCount);
      assert.equal(new Set(keys).size, keys.length, 'an observable came twice');
      // By type, then value: the detail's page and the pages after it, in one order.
      const ordered = [...seen].sort((a, b) =>
        a.type === b.type ? (a.value < b.value ? -1 : 1) : a.type < b.type ? -1 : 1,
      );
      assert.deepEqual(seen, ordered);
      for (let i = 0; i < 300; i++) assert.ok(keys.includes(`ipv4 10.77.${i >> 8}.${i & 255}`));

      const domains = (await page('?type=domain')).json();
      assert.ok(domains.items.length > 0);
      assert.ok(domains.items.every((o: { type: string }) => o.type === 'domain'));
      assert.ok(domains.items.some((o: { value: string }) => o.value === 'paging.example-bad.com'));

      const badCursor = await page('?cursor=bm90LWpzb24');
      assert.equal(badCursor.statusCode, 400);
      assert.equal(badCursor.json().code, 'invalid_cursor');
      const badType = await page('?type=planet');
      assert.equal(badType.statusCode, 400);
      assert.match(badType.json().detail, /type/);
      const missing = await h.as('viewer', {
        method: 'GET',
        url: '/api/v1/cases/case_00000000000000000000zz/observables',
      });
      assert.equal(missing.statusCode, 404);
    });

    it('orders comments as written, carries the newest 100 in the detail and pages through the older', async () => {
      const [alertId] = await ingest([
        eveAlert({ srcIp: '10.78.0.1', sid: 7808, hostname: 'talk.example.org' }),
      ]);
      const caseId = (await alert(alertId!)).caseId;
      const actor = { id: 'run:run_x', type: 'system' as const };
      // A playbook's comment: its id comes from the attempt's key, not from the time.
      await h.riposte.cases.comment(caseId, 'playbook says', actor, `comment_${'f'.repeat(24)}`);
      await new Promise((r) => setTimeout(r, 5));
      for (let i = 0; i < 129; i++) await h.riposte.cases.comment(caseId, `note ${i}`, actor);
      const detail = await getCase(caseId);
      assert.equal(detail.commentCount, 130);
      assert.equal(detail.comments.length, 100);
      assert.equal(typeof detail.olderCommentsCursor, 'string');
      const bodies = detail.comments.map((c: { body: string }) => c.body);
      assert.deepEqual(
        bodies,
        Array.from({ length: 100 }, (_, i) => `note ${i + 29}`),
      );

      const older: { body: string }[] = [];
      for (let cursor = detail.olderCommentsCursor; cursor;) {
        const res = await h.as('viewer', {
          method: 'GET',
          url: `/api/v1/cases/${caseId}/comments?limit=20&cursor=${cursor}`,
        });
        assert.equal(res.statusCode, 200, res.body);
        older.push(...res.json().items);
        cursor = res.json().nextCursor;
      }
      // Newest first, down to the playbook's comment, the oldest although its id sorts last.
      assert.deepEqual(
        older.map((c) => c.body),
        [...Array.from({ length: 29 }, (_, i) => `note ${28 - i}`), 'playbook says'],
      );
      const bad = await h.as('viewer', {
        method: 'GET',
        url: `/api/v1/cases/${caseId}/comments?cursor=eHl6`,
      });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'invalid_cursor');
      const missing = await h.as('viewer', {
        method: 'GET',
        url: '/api/v1/cases/case_00000000000000000000zz/comments',
      });
      assert.equal(missing.statusCode, 404);
    });

    it('attaches an alert from another rule to an open case through a shared observable', async () => {
      const [first] = await ingest([
        eveAlert({
          srcIp: '10.8.0.1',
          sid: 200,
          hostname: 'c2.shared-evil.com',
          timestamp: '2026-11-20T12:00:00Z',
        }),
      ]);
      const [second] = await ingest([
        eveAlert({
          srcIp: '10.8.0.2',
          sid: 201,
          signature: 'ET MALWARE beacon',
          hostname: 'c2.shared-evil.com',
          timestamp: '2026-11-20T12:30:00Z',
        }),
      ]);
      assert.equal((await alert(first!)).caseId, (await alert(second!)).caseId);
    });

    it('never attaches an alert to a closed case through a shared observable: it opens a new one', async () => {
      const [first] = await ingest([
        eveAlert({
          srcIp: '10.8.1.1',
          sid: 210,
          hostname: 'c2.closed-evil.com',
          timestamp: '2026-11-20T12:00:00Z',
        }),
      ]);
      const closedCase = (await alert(first!)).caseId;
      await closeCase(closedCase, 'true_positive');
      // Two alerts of other rules to the same host, after the case was closed.
      const [second, third] = await ingest(
        [2, 3].map((n) =>
          eveAlert({
            srcIp: `10.8.1.${n}`,
            sid: 209 + n,
            signature: `ET MALWARE beacon ${n}`,
            hostname: 'c2.closed-evil.com',
            timestamp: `2026-11-20T12:3${n}:00Z`,
          }),
        ),
      );
      const reopened = (await alert(second!)).caseId;
      assert.ok(reopened && reopened !== closedCase, 'a new case, not the closed one');
      assert.equal((await alert(third!)).caseId, reopened, 'and the next alert joins the new one');
      assert.equal((await getCase(closedCase)).alertCount, 1);
    });

    it('explains the priority, and a critical asset raises it', async () => {
      const put = await h.as('manager', {
        method: 'PUT',
        url: '/api/v1/assets',
        payload: [{ type: 'ipv4', value: '10.7.0.1', criticality: 'critical', owner: 'dc-team' }],
      });
      assert.equal(put.statusCode, 200, put.body);
      const [crit] = await ingest([
        eveAlert({
          srcIp: '10.7.0.1',
          sid: 300,
          severity: 1,
          timestamp: '2026-11-20T13:00:00Z',
          hostname: 'a.example.net',
        }),
      ]);
      const [plain] = await ingest([
        eveAlert({
          srcIp: '10.7.0.2',
          sid: 301,
          severity: 1,
          timestamp: '2026-11-20T13:00:00Z',
          hostname: 'b.example.net',
        }),
      ]);
      const critCase = await getCase((await alert(crit!)).caseId);
      const plainCase = await getCase((await alert(plain!)).caseId);
      assert.ok(critCase.priority > plainCase.priority, `${critCase.priority} > ${plainCase.priority}`);
      const factor = critCase.priorityFactors.find(
        (f: { factor: string }) => f.factor === 'asset_criticality',
      );
      assert.match(factor.detail, /10\.7\.0\.1.*critical/);
      assert.ok(critCase.priorityFactors.some((f: { factor: string }) => f.factor === 'severity'));
    });

    it('lowers the priority of a rule whose past cases were false positives', async () => {
      for (let i = 0; i < 3; i++) {
        const [id] = await ingest([
          eveAlert({
            srcIp: `10.6.0.${i + 1}`,
            sid: 400,
            signature: 'ET INFO noisy rule',
            timestamp: '2026-11-20T14:00:00Z',
            hostname: `n${i}.example.com`,
          }),
        ]);
        await closeCase((await alert(id!)).caseId, 'false_positive');
      }
      const [id] = await ingest([
        eveAlert({
          srcIp: '10.6.0.9',
          sid: 400,
          signature: 'ET INFO noisy rule',
          timestamp: '2026-11-20T14:00:00Z',
          hostname: 'n9.example.com',
        }),
      ]);
      const c = await getCase((await alert(id!)).caseId);
      const history = c.priorityFactors.find((f: { factor: string }) => f.factor === 'rule_history');
      assert.ok(history, JSON.stringify(c.priorityFactors));
      assert.ok(history.points < 0);
      assert.match(history.detail, /3 false positives/);
    });

    // PostgreSQL only: SQLite lets one transaction in at a time, so there is nothing to interleave.
    if (kind === 'postgres')
      it('never puts a new alert into a case that is closed while grouping reads it', async () => {
        const event = (minute: number, destIp: string) =>
          eveAlert({
            srcIp: '10.5.8.1',
            destIp,
            sid: 960,
            timestamp: `2026-11-20T16:${String(minute).padStart(2, '0')}:00Z`,
            hostname: 'closing.example.com',
          });
        const [first] = await ingest([event(0, '198.51.100.80')]);
        const caseId = (await alert(first!)).caseId as string;
        // Grouping reads the open case, then looks the new observables up among the assets: holding the
        // assets table stops it right there, between its read of the case and its write.
        const [[second]] = await startWhileHeld(
          h.riposte.database.db,
          sql`LOCK TABLE assets IN ACCESS EXCLUSIVE MODE`,
          () => ingest([event(1, '198.51.100.81')]),
          () => closeCase(caseId, 'false_positive'),
        );
        const placed = await alert(second!);
        // Either it came in first and was closed with the case, or it opened a case of its own.
        if (placed.caseId === caseId) assert.equal(placed.status, 'closed', 'a new alert in a closed case');
        else assert.equal((await getCase(placed.caseId)).status, 'open');
      });

    it('closes a case once when several people close it at the same moment', async () => {
      const [id] = await ingest([
        eveAlert({
          srcIp: '10.5.9.1',
          sid: 950,
          timestamp: '2026-11-20T15:30:00Z',
          hostname: 'race.example.com',
        }),
      ]);
      const caseId = (await alert(id!)).caseId as string;
      const answers = await Promise.all(
        ['true_positive', 'false_positive', 'true_positive', 'false_positive', 'benign_positive'].map(
          (resolution) =>
            h.as('analyst', {
              method: 'PATCH',
              url: `/api/v1/cases/${caseId}`,
              payload: { status: 'closed', resolution },
            }),
        ),
      );
      for (const a of answers) assert.equal(a.statusCode, 200, a.body);
      const closed = await getCase(caseId);
      // The rule's tally moved once, to the resolution the case ended with.
      const tally = await h.riposte.database.db
        .selectFrom('rule_stats')
        .selectAll()
        .where('rule_key', '=', 'ids:950')
        .executeTakeFirstOrThrow();
      const counts = {
        true_positive: Number(tally.true_positive),
        false_positive: Number(tally.false_positive),
        benign_positive: Number(tally.benign_positive),
        duplicate: Number(tally.duplicate),
      };
      assert.deepEqual(counts, {
        ...{ true_positive: 0, false_positive: 0, benign_positive: 0, duplicate: 0 },
        [closed.resolution]: 1,
      });
      // One change closed it; the others changed only the resolution of a closed case.
      const audit = await h.riposte.database.db
        .selectFrom('audit_log')
        .select('details')
        .where('action', '=', 'case.update')
        .where('target_id', '=', caseId)
        .execute();
      const closings = audit.filter(
        (r) => (JSON.parse(r.details) as { changes: { status?: unknown } }).changes.status,
      );
      assert.equal(closings.length, 1, JSON.stringify(audit));
    });

    it('updates status, assignee, severity and tags; closing needs a resolution; every change is on the timeline', async () => {
      const [id] = await ingest([
        eveAlert({
          srcIp: '10.5.0.1',
          sid: 500,
          timestamp: '2026-11-20T15:00:00Z',
          hostname: 'x.example.com',
        }),
      ]);
      const caseId = (await alert(id!)).caseId;
      const noResolution = await h.as('analyst', {
        method: 'PATCH',
        url: `/api/v1/cases/${caseId}`,
        payload: { status: 'closed' },
      });
      assert.equal(noResolution.statusCode, 400);
      assert.equal(noResolution.json().path, '/resolution');
      const badAssignee = await h.as('analyst', {
        method: 'PATCH',
        url: `/api/v1/cases/${caseId}`,
        payload: { assignee: 'nobody' },
      });
      assert.equal(badAssignee.json().path, '/assignee');
      const ok = await h.as('analyst', {
        method: 'PATCH',
        url: `/api/v1/cases/${caseId}`,
        payload: { assignee: 'alice', severity: 'critical', tags: ['phishing', 'vip'] },
      });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().assignee, 'alice');
      assert.equal(ok.json().severity, 'critical');
      const comment = await h.as('analyst', {
        method: 'POST',
        url: `/api/v1/cases/${caseId}/comments`,
        payload: { body: 'Looking into it, @alice please check the proxy logs' },
      });
      assert.equal(comment.statusCode, 201, comment.body);
      assert.deepEqual(comment.json().mentions, ['alice']);
      const closed = await h.as('analyst', {
        method: 'PATCH',
        url: `/api/v1/cases/${caseId}`,
        payload: { status: 'closed', resolution: 'true_positive', resolutionNote: 'contained' },
      });
      assert.equal(closed.json().status, 'closed');
      assert.ok(closed.json().closedAt);
      const detail = await getCase(caseId);
      assert.equal(detail.comments.length, 1);
      assert.deepEqual(
        detail.timeline.map((e: { action: string }) => e.action),
        ['case.create', 'case.update', 'case.comment', 'case.update'],
      );
      assert.equal((await alert(id!)).status, 'closed');
    });

    it('a patch that changes nothing writes nothing: no audit row, no new updatedAt, no live event', async () => {
      const [id] = await ingest([eveAlert({ srcIp: '10.5.0.2', sid: 501, hostname: 'y.example.com' })]);
      const caseId = (await alert(id!)).caseId;
      const set = await h.as('analyst', {
        method: 'PATCH',
        url: `/api/v1/cases/${caseId}`,
        payload: { severity: 'high', tags: ['scan'] },
      });
      assert.equal(set.statusCode, 200, set.body);
      const auditRows = async () =>
        (
          await h.riposte.database.db
            .selectFrom('audit_log')
            .select('seq')
            .where('target_id', '=', caseId)
            .where('action', '=', 'case.update')
            .execute()
        ).length;
      const before = await auditRows();
      const heard: string[] = [];
      const off = h.riposte.live.subscribe((e) => {
        if (e.type === 'case.changed' && e.id === caseId) heard.push(e.type);
      });
      try {
        const again = await h.as('analyst', {
          method: 'PATCH',
          url: `/api/v1/cases/${caseId}`,
          payload: { severity: 'high', tags: ['scan'] },
        });
        assert.equal(again.statusCode, 200, again.body);
        assert.equal(again.json().updatedAt, set.json().updatedAt);
        assert.deepEqual(again.json().tags, ['scan']);
        // Checked as before: a field it cannot take is refused even when nothing would change.
        const bad = await h.as('analyst', {
          method: 'PATCH',
          url: `/api/v1/cases/${caseId}`,
          payload: { severity: 'high', status: 'closed' },
        });
        assert.equal(bad.statusCode, 400);
        assert.equal(bad.json().path, '/resolution');
        const missing = await h.as('analyst', {
          method: 'PATCH',
          url: '/api/v1/cases/case_nope',
          payload: { severity: 'high' },
        });
        assert.equal(missing.statusCode, 404);
        assert.equal(await auditRows(), before);
        assert.deepEqual(heard, []);
        const changed = await h.as('analyst', {
          method: 'PATCH',
          url: `/api/v1/cases/${caseId}`,
          payload: { severity: 'medium' },
        });
        assert.equal(changed.json().severity, 'medium');
        assert.equal(await auditRows(), before + 1);
        assert.deepEqual(heard, ['case.changed']);
      } finally {
        off();
      }
    });

    it('filters by status, severity, assignee, tag and full text, and paginates by cursor', async () => {
      const byTag = (await h.as('viewer', { method: 'GET', url: '/api/v1/cases?tag=vip' })).json();
      assert.equal(byTag.items.length, 1);
      assert.equal(
        (await h.as('viewer', { method: 'GET', url: '/api/v1/cases?assignee=alice' })).json().items.length,
        1,
      );
      assert.equal(
        (await h.as('viewer', { method: 'GET', url: '/api/v1/cases?severity=critical&status=closed' })).json()
          .items.length,
        1,
      );
      const search = (await h.as('viewer', { method: 'GET', url: '/api/v1/cases?q=shared-evil' })).json();
      assert.equal(search.items.length, 1);
      assert.match(search.items[0].title, /curl/);
      const byIp = (await h.as('viewer', { method: 'GET', url: '/api/v1/cases?q=10.7.0.1' })).json();
      assert.equal(byIp.items.length, 1);

      const all = (await h.as('viewer', { method: 'GET', url: '/api/v1/cases?limit=500' })).json().items;
      assert.ok(all.length >= 6);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/v1/cases?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await h.as('viewer', { method: 'GET', url })).json();
        seen.push(...page.items.map((c: { id: string }) => c.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(
        seen,
        all.map((c: { id: string }) => c.id),
      );
      const bad = await h.as('viewer', { method: 'GET', url: '/api/v1/cases?cursor=!!' });
      assert.equal(bad.json().code, 'invalid_cursor');
      const badStatus = await h.as('viewer', { method: 'GET', url: '/api/v1/cases?status=pending' });
      assert.equal(badStatus.statusCode, 400);
    });

    it('audits case and alert views, and the audit chain verifies', async () => {
      const views = (
        await h.as('admin', { method: 'GET', url: '/api/v1/audit?action=case.view&limit=1000' })
      ).json().items;
      assert.ok(views.length > 0);
      assert.equal(views[0].actor, 'token:test-viewer');
      assert.equal((await h.riposte.audit.verify(h.riposte.database.db)).ok, true);
    });

    it('finds the past cases that saw the same things, the most alike first, and suggests how most of them ended', async () => {
      // Three past cases about one phishing domain, each closed before the next arrived (grouping only
      // joins open cases); the third from the same workstation as the case under test.
      const past: string[] = [];
      for (const [i, resolution] of (
        ['false_positive', 'false_positive', 'true_positive'] as const
      ).entries()) {
        const [id] = await ingest([
          eveAlert({
            sid: 8801 + i,
            srcIp: `10.88.0.${i + 1}`,
            destIp: '198.51.100.88',
            hostname: 'evil-phish.example.com',
          }),
        ]);
        const caseId = (await alert(id!)).caseId as string;
        await closeCase(caseId, resolution);
        past.push(caseId);
      }
      const [current] = await ingest([
        eveAlert({
          sid: 8804,
          srcIp: '10.88.0.3',
          destIp: '198.51.100.88',
          hostname: 'evil-phish.example.com',
        }),
        eveAlert({
          sid: 8805,
          srcIp: '10.88.0.9',
          destIp: '198.51.100.89',
          hostname: 'benign-thing.example.org',
        }),
      ]);
      const caseId = (await alert(current!)).caseId as string;
      assert.ok(!past.includes(caseId));

      const res = await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${caseId}/related` });
      assert.equal(res.statusCode, 200, res.body);
      const related = res.json();
      assert.ok(related.probed > 0);
      const ids = related.items.map((c: { id: string }) => c.id);
      assert.deepEqual(
        [...ids].sort(),
        [...past].sort(),
        'the three past cases, not itself nor unrelated ones',
      );
      assert.equal(ids[0], past[2], 'the one sharing the workstation too comes first');
      const first = related.items[0];
      assert.equal(first.resolution, 'true_positive');
      assert.equal(first.status, 'closed');
      assert.ok(first.sharedCount > related.items[1].sharedCount);
      assert.ok(first.score > related.items[1].score);
      assert.ok(
        first.shared.some(
          (o: { type: string; value: string }) => o.type === 'domain' && o.value === 'evil-phish.example.com',
        ),
      );
      assert.ok(first.shared.some((o: { value: string }) => o.value === '10.88.0.3'));
      assert.deepEqual(related.suggestion, { resolution: 'false_positive', agreeing: 2, closed: 3 });

      const one = await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${caseId}/related?limit=1` });
      assert.deepEqual(
        one.json().items.map((c: { id: string }) => c.id),
        [past[2]],
      );
      assert.equal(one.json().suggestion, null, 'one closed case is not enough to suggest');
      const zero = await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${caseId}/related?limit=0` });
      assert.equal(zero.statusCode, 400, zero.body);
      assert.equal(zero.json().path, 'limit');
      assert.equal(
        (await h.as('viewer', { method: 'GET', url: '/api/v1/cases/case_nope/related' })).statusCode,
        404,
      );

      // The same through the playbook action.
      const action = (await h.riposte.actions.get('riposte.related_cases')!.run(
        { case_id: caseId, limit: 2 },
        {
          idempotencyKey: 'run_r:s:1',
          attempt: 1,
          runId: 'run_r',
          stepKey: 's',
          signal: new AbortController().signal,
        },
      )) as { items: { id: string }[]; suggestion: unknown };
      assert.equal(action.items.length, 2);
      assert.equal(action.items[0]!.id, past[2]);
    });
  });
}
