import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DashboardQuery } from '../../src/dashboard/dashboard-query.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { DAY, HOUR, MINUTE, SOC_WEEK, seedDashboard } from '../support/dashboard-seed.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const hourOf = (ms: number) => new Date(ms).toISOString().slice(0, 13);

for (const kind of databaseKinds()) {
  describe(`dashboard API on ${kind}`, () => {
    let h: Harness;
    const now = Date.now();

    before(async () => {
      // SLA targets that some of the week's cases missed: medium acknowledge in 1 h, low in 2 h (no contain clock).
      h = await startHarness(kind, {
        sla: {
          medium: {
            acknowledgeSeconds: HOUR / 1000,
            containSeconds: (4 * HOUR) / 1000,
            resolveSeconds: (3 * DAY) / 1000,
          },
          low: { acknowledgeSeconds: (2 * HOUR) / 1000, resolveSeconds: (7 * DAY) / 1000 },
        },
      });
      await seedDashboard(h.riposte, now, SOC_WEEK);
    });
    after(() => h.close());

    const dashboard = async (role: 'analyst' | 'manager', window?: string) => {
      const res = await h.as(role, {
        method: 'GET',
        url: `/api/v1/dashboard${window ? `?window=${window}` : ''}`,
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };

    it('counts open cases by severity', async () => {
      const d = await dashboard('analyst');
      assert.equal(d.window, '7d');
      assert.equal(d.openCases.total, 3);
      assert.deepEqual(d.openCases.bySeverity, {
        unknown: 0,
        informational: 0,
        low: 0,
        medium: 0,
        high: 2,
        critical: 1,
      });
    });

    it('counts alerts per hour over the last 24 hours, oldest first', async () => {
      const d = await dashboard('analyst');
      assert.equal(d.alertsPerHour.length, 24);
      assert.equal(d.alertsPerHour.at(-1).hour.slice(0, 13), hourOf(now));
      const expected = new Map<string, number>();
      for (const ago of [10 * MINUTE, 10 * MINUTE, 2 * HOUR, 2 * HOUR, 2 * HOUR, 5 * HOUR, HOUR])
        expected.set(hourOf(now - ago), (expected.get(hourOf(now - ago)) ?? 0) + 1);
      for (const bucket of d.alertsPerHour)
        assert.equal(bucket.count, expected.get(bucket.hour.slice(0, 13)) ?? 0, bucket.hour);
    });

    it('counts pending tasks and approvals, and those the caller may act on', async () => {
      const analyst = await dashboard('analyst');
      assert.deepEqual(analyst.pending, { tasks: 1, approvals: 2, mine: { tasks: 1, approvals: 1 } });
      const manager = await dashboard('manager');
      assert.deepEqual(manager.pending, { tasks: 1, approvals: 2, mine: { tasks: 1, approvals: 1 } });
    });

    it('computes MTTA and MTTC over cases opened in the window and MTTR over cases closed in it', async () => {
      const d = await dashboard('analyst');
      // Acknowledged: c1 1 h, c3 30 min, c4 2 h, c5 4 h, c7 1 h, c8 2 h; c2 is open and unacknowledged.
      assert.deepEqual(d.mtta, { ms: 105 * MINUTE, cases: 6, unacknowledged: 1 });
      // Closed in the last 7 days: c4 1 d, c5 4 h, c7 1 h, c8 2 h (c6 closed 10 days ago).
      assert.deepEqual(d.mttr, { ms: 465 * MINUTE, cases: 4 });
      // Closed in the week with targets: c4 and c8 (medium) acknowledged after 2 h, c5 (low) after 4 h: missed;
      // c7 (low) acknowledged and closed within 1 h: met. High and critical have no targets here.
      assert.deepEqual(d.slaCompliance, {
        rate: 0.25,
        met: 1,
        closed: 4,
        bySeverity: { low: { met: 1, closed: 2 }, medium: { met: 0, closed: 2 } },
      });
      // Contained: c1 after 1.5 h, c4 after 3 h; c2 and c3 are open and not contained.
      assert.deepEqual(d.mttc, { ms: 135 * MINUTE, cases: 2, uncontained: 2 });
      const month = await dashboard('analyst', '30d');
      // c6 joins: opened 20 days ago, acknowledged after 1 h, closed after 10 days.
      assert.deepEqual(month.mtta, { ms: Math.round((690 * MINUTE) / 7), cases: 7, unacknowledged: 1 });
      assert.deepEqual(month.mttr, { ms: (1860 * MINUTE + 10 * DAY) / 5, cases: 5 });
    });

    it('counts as automated only cases a playbook closed without a person', async () => {
      const d = await dashboard('analyst');
      // c5: closed by a run, only viewed by a person. c4 closed by a person, c7 commented on, c8 had an
      // approval answered by a person.
      assert.deepEqual(d.automation, {
        closedCases: 4,
        automatedCases: 1,
        rate: 0.25,
        alerts: 10,
        automatedAlerts: 3,
        alertRate: 0.3,
      });
    });

    it('ranks detection rules by alerts in the window with their false-positive rate', async () => {
      const week = await dashboard('analyst');
      assert.deepEqual(
        week.topRules.map((r: Record<string, unknown>) => [
          r.rule,
          r.name,
          r.alerts,
          r.closedCases,
          r.falsePositives,
        ]),
        [
          ['R1', 'Port scan', 5, 3, 2],
          ['R2', 'SSH brute force', 3, 1, 0],
          ['Beacon', 'Beacon', 2, 0, 0],
        ],
      );
      assert.equal(week.topRules[0].falsePositiveRate, 2 / 3);
      assert.equal(week.topRules[1].falsePositiveRate, 0);
      assert.equal(week.topRules[2].falsePositiveRate, null);
      const month = await dashboard('analyst', '30d');
      const r2 = month.topRules.find((r: { rule: string }) => r.rule === 'R2');
      assert.deepEqual([r2.alerts, r2.closedCases, r2.falsePositives], [4, 2, 1]);
    });

    it('refuses a window it cannot read', async () => {
      for (const window of ['7w', '0d', '91d', 'week']) {
        const res = await h.as('viewer', { method: 'GET', url: `/api/v1/dashboard?window=${window}` });
        assert.equal(res.statusCode, 400, window);
        assert.equal(res.json().code, 'validation_failed');
      }
    });

    /** Ingests one Suricata alert through the source; answers when it was stored (its `created_at`). */
    const storeAlert = async (sourceName: string, sid: number, srcIp: string) => {
      const { alertIds } = await h.riposte.ingest.ingest(
        await h.riposte.sources.get(sourceName),
        JSON.stringify(eveAlert({ sid, srcIp })),
        'application/json',
        { id: 't', type: 'system' },
      );
      const row = await h.riposte.database.db
        .selectFrom('alerts')
        .select('created_at')
        .where('id', '=', alertIds[0]!)
        .executeTakeFirstOrThrow();
      return Date.parse(row.created_at);
    };

    // Last two: they store alerts (and cases), which the figures above do not expect.
    it('counts an alert once as it settles, and reads only what was stored since the cut-off', async () => {
      let clockMs = Date.now();
      const query = new DashboardQuery(h.riposte.database.db, kind, () => new Date(clockMs));
      const viewer = { name: 'analyst', role: 'analyst' as const };
      await h.riposte.sources.create({ name: 'settling', format: 'suricata' }, { id: 't', type: 'system' });
      const store = (sid: number) => storeAlert('settling', sid, `10.44.0.${sid % 250}`);
      const countOf = async (q: DashboardQuery, atMs: number) =>
        (await q.figures(undefined, viewer)).alertsPerHour.find((b) => b.hour.slice(0, 13) === hourOf(atMs))
          ?.count ?? 0;

      // The first call sets the query's cut-off, a minute before now: the alert below is stored after it.
      await query.figures(undefined, viewer);
      const storedAt = await store(4401);
      clockMs = storedAt + 10_000;
      const afresh = () => new DashboardQuery(h.riposte.database.db, kind, () => new Date(clockMs));
      const expected = await countOf(afresh(), storedAt);
      // Fresh (stored under a minute ago): read on every call, counted once each time.
      assert.equal(await countOf(query, storedAt), expected);
      assert.equal(await countOf(query, storedAt), expected);
      // Settled: moved into what is remembered, neither lost nor counted twice.
      clockMs = storedAt + 61_000;
      assert.equal(await countOf(query, storedAt), expected);
      clockMs = storedAt + 120_000;
      assert.equal(await countOf(query, storedAt), expected);
      // A row stored before the cut-off now (a commit a minute late, which the minute allows for) is
      // not read again by this query object — it reads only the rows since its cut-off — while a new
      // object, reading the day afresh, counts it.
      const late = await store(4402);
      assert.ok(late < clockMs - 60_000);
      assert.equal((await countOf(query, late)) + 1, await countOf(afresh(), late));
    });

    it('reads a final hour once, and the hours since on every call', async () => {
      // Two hours on, the hours of the seed are final; a second query object reads them afresh.
      const later = () => new Date(Date.now() + 2 * HOUR);
      const remembering = new DashboardQuery(h.riposte.database.db, kind, later);
      const viewer = { name: 'analyst', role: 'analyst' as const };
      const first = (await remembering.figures(undefined, viewer)).alertsPerHour;
      await h.riposte.sources.create({ name: 'hourly', format: 'suricata' }, { id: 't', type: 'system' });
      const hourOfAlert = hourOf(await storeAlert('hourly', 4343, '10.43.0.1'));
      const countAt = (hours: { hour: string; count: number }[]) =>
        hours.find((b) => b.hour.slice(0, 13) === hourOfAlert)?.count;
      // Its hour was final and counted already: not read again.
      assert.deepEqual((await remembering.figures(undefined, viewer)).alertsPerHour, first);
      const fresh = new DashboardQuery(h.riposte.database.db, kind, later);
      assert.equal(countAt((await fresh.figures(undefined, viewer)).alertsPerHour), countAt(first)! + 1);
      // As the current hour, it is read on every call.
      assert.equal(
        countAt((await dashboard('analyst')).alertsPerHour),
        countAt(
          (await new DashboardQuery(h.riposte.database.db, kind).figures(undefined, viewer)).alertsPerHour,
        ),
      );
    });
  });
}
