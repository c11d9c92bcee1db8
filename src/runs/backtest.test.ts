import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { eveAlert } from '../../test/fixtures/own/suricata-eve.ts';
import { startHarness, type Harness } from '../../test/support/harness.ts';
import { backtest, type BacktestOptions } from './backtest.ts';

const ACTOR = { id: 't', type: 'system' as const };

const PLAYBOOK = `
id: block_scanners
name: Block scanners
triggers:
  alert: \${{ alert.rule.id == "9100" }}
steps:
  - id: lookup
    uses: intel.score
    with:
      ip: \${{ alert.observables.filter(o, o.type == "ipv4" && o.role == "source")[0].value }}
      key: \${{ secrets.intel_key }}
  - id: check
    if: \${{ steps.lookup.output != null && steps.lookup.output.score > 50 }}
    else: benign
  - id: approve_block
    approval:
      title: Block \${{ steps.lookup.output.ip }}?
      approvers: { role: manager }
      expires_in: 1h
    on_deny: benign
  - id: block
    uses: firewall.block
    with: { ip: '\${{ steps.lookup.output.ip }}' }
  - id: done
    end: true
  - id: benign
    set: { verdict: benign }
`;

describe('backtest on stored alerts', () => {
  let h: Harness;
  const scores = new Map([
    ['10.9.0.1', 90],
    ['10.9.0.2', 10],
    ['10.9.0.3', 95],
  ]);
  const reads: Record<string, unknown>[] = [];
  let blocks = 0;
  const tables = ['runs', 'tasks', 'audit_log', 'alerts', 'cases', 'playbooks'] as const;
  const counts = async () => {
    const out: Record<string, number> = {};
    for (const table of tables) {
      const row = await h.riposte.database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      out[table] = Number(row.n);
    }
    return out;
  };
  const run = (options: Partial<BacktestOptions> = {}) =>
    backtest(
      {
        db: h.riposte.database.db,
        playbooks: h.riposte.playbooks,
        actions: h.riposte.actions,
        secrets: () => h.riposte.secrets.values(),
      },
      { playbookId: 'block_scanners', since: '2000-01-01', ...options },
    );

  before(async () => {
    h = await startHarness('sqlite');
    const anything = Type.Object({}, { additionalProperties: true });
    const base = { title: 't', description: 'd', input: anything, timeoutMs: 2_000, retry: null };
    h.riposte.actions.register({
      ...base,
      id: 'intel.score',
      effect: 'read',
      run: async (input) => {
        reads.push(input);
        return { ip: input['ip'], score: scores.get(String(input['ip'])) ?? 0 };
      },
    });
    h.riposte.actions.register({
      ...base,
      id: 'firewall.block',
      effect: 'destructive',
      run: async () => {
        blocks++;
        return { blocked: true };
      },
    });
    await h.riposte.secrets.set('intel_key', 'intel-secret-value', ACTOR);
    const source = (await h.riposte.sources.create({ name: 'ids', format: 'suricata' }, ACTOR)).token;
    const events = [
      eveAlert({ srcIp: '10.9.0.1', sid: 9100, timestamp: '2026-11-20T10:00:00.000000+0000' }),
      eveAlert({ srcIp: '10.9.0.2', sid: 9100, timestamp: '2026-11-20T10:01:00.000000+0000' }),
      eveAlert({ srcIp: '10.9.0.3', sid: 9100, timestamp: '2026-11-20T10:02:00.000000+0000' }),
      eveAlert({ srcIp: '10.9.0.4', sid: 4242, timestamp: '2026-11-20T10:03:00.000000+0000' }),
    ];
    // One request per alert, so their created_at differ and "newest first" is well defined.
    for (const event of events) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/api/v1/sources/ids/alerts',
        payload: JSON.stringify([event]),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${source}` },
      });
      assert.equal(res.statusCode, 202, res.body);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await h.riposte.grouping.drain();
    await h.riposte.playbooks.save(PLAYBOOK, ACTOR);
  });
  after(() => h.close());

  it('simulates the alerts the trigger matches, stopping where a manager would be asked', async () => {
    const before = await counts();
    const report = await run();
    assert.equal(report.considered, 4);
    assert.equal(report.matched, 3);
    assert.equal(report.version, 1);
    assert.deepEqual(report.byStatus, { waiting: 2, succeeded: 1 });
    assert.deepEqual(report.wouldAsk, { approve_block: 2 });
    assert.deepEqual(report.wouldDo, {});
    const byIp = (ip: string) => report.alerts.find((a) => a.wouldAsk[0]?.title === `Block ${ip}?`);
    assert.deepEqual(byIp('10.9.0.1')?.path, ['lookup', 'check']);
    assert.deepEqual(
      report.alerts.map((a) => a.title.length > 0 && a.alertId.length > 0),
      [true, true, true],
    );
    const benign = report.alerts.find((a) => a.status === 'succeeded');
    assert.deepEqual(benign?.path, ['lookup', 'check', 'benign']);
    assert.deepEqual(
      [...new Set(reads.map((r) => r['ip']))].sort(),
      ['10.9.0.1', '10.9.0.2', '10.9.0.3'],
      'the read action ran for real, on matched alerts only',
    );
    assert.equal(reads[0]?.['key'], 'intel-secret-value', 'with the configured secret');
    assert.doesNotMatch(JSON.stringify(report), /intel-secret-value/);
    assert.deepEqual(await counts(), before, 'nothing written: no run, task, audit entry');
  });

  it('with --assume approve, reports what it would block, and blocks nothing', async () => {
    const before = await counts();
    const report = await run({ assume: 'approve' });
    assert.deepEqual(report.byStatus, { succeeded: 3 });
    assert.deepEqual(report.wouldDo, { 'firewall.block': 2 });
    const blocked = report.alerts.filter((a) => a.wouldDo.length > 0);
    assert.deepEqual(blocked.map((a) => a.wouldDo[0]?.input['ip']).sort(), ['10.9.0.1', '10.9.0.3']);
    assert.deepEqual(blocked[0]?.path, ['lookup', 'check', 'approve_block', 'block', 'done']);
    assert.equal(blocks, 0, 'the destructive action never ran');
    const denied = await run({ assume: 'deny' });
    assert.deepEqual(denied.wouldDo, {});
    assert.deepEqual(denied.byStatus, { succeeded: 3 });
    assert.deepEqual(await counts(), before);
  });

  it('--no-reads answers reads with null; --all, --limit and --until choose the alerts', async () => {
    const calls = reads.length;
    const noReads = await run({ reads: false });
    assert.equal(reads.length, calls, 'no read action ran');
    assert.deepEqual(noReads.byStatus, { succeeded: 3 });

    const all = await run({ all: true, reads: false });
    assert.deepEqual([all.considered, all.matched], [4, 4]);

    const newest = await run({ limit: 2, all: true, reads: false });
    assert.equal(newest.considered, 2);
    const rows = await h.riposte.database.db
      .selectFrom('alerts')
      .select('id')
      .orderBy('created_at', 'desc')
      .limit(2)
      .execute();
    assert.deepEqual(
      newest.alerts.map((a) => a.alertId),
      rows.map((r) => r.id),
      'newest first',
    );

    const none = await run({ until: '2001-01-01' });
    assert.deepEqual([none.considered, none.matched, none.alerts], [0, 0, []]);
    await assert.rejects(run({ since: 'last tuesday' }), /is not a date/);
    await assert.rejects(run({ playbookId: 'nope' }), /no playbook with id "nope"/);
  });
});
