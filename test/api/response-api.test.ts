import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { containment, startContainmentTarget } from '../support/test-response.ts';
import { databaseKinds } from '../support/test-databases.ts';

const ACTOR = { id: 't', type: 'system' as const };

/** The "done when": block with a TTL at once, ask before locking, a blast-radius refusal, one-call rollback. */
const CONTAIN = `
id: contain_incident
name: Contain an incident
triggers:
  alert: \${{ alert.rule.id == "7007" }}
steps:
  - id: block
    uses: contain.block_ip
    with:
      ip: \${{ alert.observables.filter(o, o.type == "ipv4" && o.role == "destination")[0].value }}
      ttl: 1h
  - id: lock
    uses: contain.lock_account
    with:
      username: jdoe
  - id: isolate
    for_each: \${{ ["wks-1", "wks-2", "wks-3"] }}
    do:
      - id: isolate_host
        uses: contain.isolate_host
        with:
          host: \${{ item }}
        continue_on_error: true
`;

/** A step that states its RE&CT id: blocking an internal address is RA3102, not block_ip's RA3101. */
const BLOCK_INTERNAL = `
id: block_internal
name: Block an internal address
triggers: { manual: true }
steps:
  - id: act
    uses: contain.block_ip
    with: { ip: 10.7.0.9 }
    react: RA3102
`;

const ONE = (action: string, field: string, value: string) => `
id: one_${action}
name: One ${action}
triggers: { manual: true }
steps:
  - id: act
    uses: contain.${action}
    with:
      ${field}: ${value}
`;

for (const kind of databaseKinds()) {
  describe(`response guardrails on ${kind}`, () => {
    let h: Harness;
    let target: Awaited<ReturnType<typeof startContainmentTarget>>;
    let source: string;
    let rules: string[] = [];
    const notified: string[] = [];

    before(async () => {
      target = await startContainmentTarget();
      h = await startHarness(
        kind,
        { outboundAllow: ['127.0.0.1'] },
        {
          worker: true,
          setup: (r) => r.addIntegration(containment),
          notify: async (n) => void notified.push(n.task.id),
        },
      );
      await h.riposte.instances.put(
        h.riposte.integrations.get('contain'),
        'lab',
        { fields: { base_url: target.url } },
        ACTOR,
      );
      source = (await h.riposte.sources.create({ name: 'ids', format: 'suricata' }, ACTOR)).token;
      for (const p of [
        CONTAIN,
        BLOCK_INTERNAL,
        ONE('block_ip', 'ip', '203.0.113.77'),
        ONE('isolate_host', 'host', 'dc01'),
        ONE('lock_account', 'username', 'kim'),
      ])
        assert.equal(
          (await h.as('analyst', { method: 'POST', url: '/api/v1/playbooks', payload: { source: p } }))
            .statusCode,
          201,
        );
    });
    after(async () => {
      await h.close();
      await target.close();
    });
    beforeEach(async () => {
      for (const id of rules) await h.as('admin', { method: 'DELETE', url: `/api/v1/response/rules/${id}` });
      rules = [];
    });

    const rule = async (body: object) => {
      const res = await h.as('admin', { method: 'POST', url: '/api/v1/response/rules', payload: body });
      assert.equal(res.statusCode, 201, res.body);
      rules.push(res.json().id);
    };
    const start = async (playbookId: string) =>
      (await h.as('analyst', { method: 'POST', url: '/api/v1/runs', payload: { playbookId } })).json()
        .id as string;
    const run = async (id: string) =>
      (await h.as('viewer', { method: 'GET', url: `/api/v1/runs/${id}` })).json();
    const until = async <T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> => {
      for (let i = 0; i < 150; i++) {
        const v = await probe();
        if (ok(v)) return v;
        await new Promise((r) => setTimeout(r, 40));
      }
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await probe()).slice(0, 3000)}`);
    };

    /** A playbook that blocks these addresses all at once (one loop, every item in flight); its block steps. */
    const blockAtOnce = async (id: string, ips: string[]) => {
      const saved = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks',
        payload: {
          source: `
id: ${id}
name: Block addresses at once
triggers: { manual: true }
steps:
  - id: each
    for_each: \${{ ${JSON.stringify(ips)} }}
    concurrency: ${ips.length}
    do:
      - id: block
        uses: contain.block_ip
        with:
          ip: \${{ item }}
        continue_on_error: true
`,
        },
      });
      assert.equal(saved.statusCode, 201, saved.body);
      const done = await h.riposte.runs.settle(await start(id), 10_000, { untilTerminal: true });
      const blocks = done.steps.filter((s) => /^each\[\d+\]\.block$/.test(s.key));
      assert.equal(blocks.length, ips.length);
      return blocks.map((s) => ({ ...s, runId: done.id }));
    };

    it('an ingested alert: an IP blocked at once for an hour, a manager asked before a lock, the third isolation refused, all rolled back in one call', async () => {
      await rule({
        kind: 'policy',
        name: 'locks need a manager',
        match: { action: 'contain.lock_account' },
        decision: 'approval',
        approval: { role: 'manager' },
      });
      await rule({
        kind: 'limit',
        name: 'two isolations a minute',
        match: { action: 'contain.isolate_host' },
        max: 2,
        windowSeconds: 60,
      });
      const ingest = await h.app.inject({
        method: 'POST',
        url: '/api/v1/sources/ids/alerts',
        payload: JSON.stringify(eveAlert({ sid: 7007, srcIp: '10.7.0.7', destIp: '198.51.100.23' })),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${source}` },
      });
      const [alertId] = ingest.json().alertIds as string[];
      const [queued] = (await h.riposte.runs.list({ alertId })).items;
      assert.ok(queued);
      // At once: no person is asked; the block lands as soon as the target answers.
      await until(
        async () => target.state.blocked.has('198.51.100.23'),
        (v) => v,
        'the block',
      );

      const waiting = await until(
        () => run(queued.id),
        (r) => r.guardrails.some((g: { state: string }) => g.state === 'awaiting_approval'),
        'the approval gate',
      );
      assert.equal(target.state.locked.has('jdoe'), false, 'not locked before approval');
      const gate = waiting.guardrails.find((g: { state: string }) => g.state === 'awaiting_approval');
      assert.match(
        gate.reason,
        /policy "locks need a manager" requires approval for contain.lock_account on user jdoe/,
      );
      await until(
        async () => notified.includes(gate.taskId),
        (v) => v,
        'the approvers to be notified',
      );
      const decided = await h.as('manager', {
        method: 'POST',
        url: `/api/v1/approvals/${gate.taskId}/decision`,
        payload: { decision: 'approve', reason: 'confirmed compromise' },
      });
      assert.equal(decided.statusCode, 200, decided.body);

      const finished = await until(
        () => h.riposte.runs.get(queued.id),
        (r) => r.status === 'succeeded' || r.status === 'failed',
        'the run to finish',
      );
      assert.equal(finished.status, 'succeeded', JSON.stringify(finished.steps.filter((s) => s.error)));
      assert.ok(target.state.locked.has('jdoe'), 'locked after approval');
      assert.deepEqual([...target.state.isolated].sort(), ['wks-1', 'wks-2']);
      const third = finished.steps.find((s) => s.key === 'isolate[2].isolate_host');
      assert.equal(third?.error?.kind, 'policy');
      assert.match(
        third!.error!.message,
        /blast-radius limit "two isolations a minute": 2 of at most 2 in 60 s/,
      );

      await h.riposte.grouping.drain();
      const caseId = (await h.as('viewer', { method: 'GET', url: `/api/v1/alerts/${alertId}` })).json()
        .caseId as string;
      const actions = (await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${caseId}/actions` })).json()
        .items as { action: string; expiresAt: string | null; react: string | null }[];
      assert.deepEqual(actions.map((a) => a.action).sort(), [
        'contain.block_ip',
        'contain.isolate_host',
        'contain.isolate_host',
        'contain.lock_account',
      ]);
      const block = actions.find((a) => a.action === 'contain.block_ip')!;
      assert.equal(block.react, 'RA3101');
      assert.ok(
        Math.abs(Date.parse(block.expiresAt!) - Date.now() - 3600_000) < 60_000,
        'expires in an hour',
      );

      const rollback = await h.as('analyst', { method: 'POST', url: `/api/v1/cases/${caseId}/rollback` });
      assert.equal(rollback.statusCode, 200, rollback.body);
      const results = rollback.json().items as { action: string; outcome: string }[];
      assert.deepEqual(
        results.map((r) => r.outcome),
        ['undone', 'undone', 'undone', 'undone'],
      );
      assert.equal(
        results.at(-1)?.action,
        'contain.block_ip',
        'reverse order: the first action is undone last',
      );
      assert.equal(target.state.blocked.size + target.state.isolated.size + target.state.locked.size, 0);
      const audit = (await h.as('manager', { method: 'GET', url: '/api/v1/audit?limit=1000' })).json()
        .items as { action: string }[];
      for (const a of [
        'response.applied',
        'response.approval_requested',
        'response.refused',
        'response.rolled_back',
        'case.rollback',
      ])
        assert.ok(
          audit.some((x) => x.action === a),
          a,
        );
    });

    it('an action with a time to live is undone when it expires, by the worker', async () => {
      target.state.blocked.clear();
      const runId = await start('one_block_ip');
      await h.riposte.runs.settle(runId, 5000, { untilTerminal: true });
      assert.ok(target.state.blocked.has('203.0.113.77'));
      await h.riposte.database.db.updateTable('action_ledger').set({ expires_at: null }).execute();
      // As if the block had been taken with a time to live that has now passed.
      await h.riposte.database.db
        .updateTable('action_ledger')
        .set({ expires_at: new Date(Date.now() - 1000).toISOString(), status: 'applied' })
        .where('run_id', '=', runId)
        .execute();
      await h.riposte.worker.tick(true);
      assert.equal(target.state.blocked.has('203.0.113.77'), false, 'unblocked on expiry');
      const [entry] = await h.riposte.database.db
        .selectFrom('action_ledger')
        .select('status')
        .where('run_id', '=', runId)
        .execute();
      assert.equal(entry?.status, 'expired');
    });

    it('undoes an entry once when its expiry and a rollback ask at the same moment', async () => {
      target.state.blocked.clear();
      const runId = await start('one_block_ip');
      await h.riposte.runs.settle(runId, 5000, { untilTerminal: true });
      assert.ok(target.state.blocked.has('203.0.113.77'));
      const [entry] = await h.riposte.response.ledger({ runId });
      assert.ok(entry);
      await h.riposte.database.db
        .updateTable('action_ledger')
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where('id', '=', entry.id)
        .execute();
      const unblocks = () =>
        target.requests.filter((r) => r.method === 'DELETE' && r.path === '/ip/203.0.113.77').length;
      const before = unblocks();
      // Two worker processes' expiry passes and an analyst's undo, all at once.
      const results = await Promise.all([
        h.riposte.response.expireDue(),
        h.riposte.response.expireDue(),
        h.riposte.response.undo(entry, 'rolled_back', { id: 'ana', type: 'user' }),
      ]);
      const outcomes = results
        .flat()
        .filter((r) => r.id === entry.id)
        .map((r) => r.outcome);
      assert.deepEqual(
        outcomes.filter((o) => o === 'undone'),
        ['undone'],
        outcomes.join(' '),
      );
      assert.equal(unblocks() - before, 1, 'the inverse ran once');
      assert.equal(target.state.blocked.has('203.0.113.77'), false);
      const [after] = await h.riposte.response.ledger({ runId });
      assert.ok(after?.status === 'expired' || after?.status === 'rolled_back', after?.status);
    });

    it('containing a contained target is a no-op reported as such', async () => {
      target.state.isolated.add('dc01');
      const before = target.state.changes;
      const id = await start('one_isolate_host');
      const done = await h.riposte.runs.settle(id, 5000, { untilTerminal: true });
      assert.equal(done.status, 'succeeded');
      assert.equal((done.steps[0]!.output as { noop?: boolean }).noop, true);
      assert.equal(target.state.changes, before);
      target.state.isolated.clear();
    });

    it('the ledger records the RE&CT id the step states, over its action’s', async () => {
      const id = await start('block_internal');
      const done = await h.riposte.runs.settle(id, 5000, { untilTerminal: true });
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      const entries = await h.riposte.responseRules.entries({ runId: id });
      assert.deepEqual(
        entries.map((e) => [e.action, e.react]),
        [['contain.block_ip', 'RA3102']],
      );
      const audit = (await h.as('manager', { method: 'GET', url: '/api/v1/audit?limit=1000' })).json()
        .items as { action: string; details: { runId?: string; react?: string } }[];
      const applied = audit.find((a) => a.action === 'response.applied' && a.details.runId === id);
      assert.equal(applied?.details.react, 'RA3102');
      target.state.blocked.delete('10.7.0.9');
    });

    it('a protected entity is refused with its reason; an admin override with a reason lets it run', async () => {
      await rule({ kind: 'protected', type: 'host', value: 'dc*', reason: 'domain controllers' });
      const id = await start('one_isolate_host');
      const refused = await h.riposte.runs.settle(id, 5000, { untilTerminal: true });
      assert.equal(refused.status, 'failed');
      assert.match(refused.error!.message, /host dc01 is protected: domain controllers/);
      assert.equal(target.state.isolated.has('dc01'), false);
      const noReason = await h.as('admin', {
        method: 'POST',
        url: `/api/v1/runs/${id}/override`,
        payload: { stepKey: 'act', reason: '' },
      });
      assert.equal(noReason.statusCode, 400);
      const byAnalyst = await h.as('analyst', {
        method: 'POST',
        url: `/api/v1/runs/${id}/override`,
        payload: { stepKey: 'act', reason: 'ransomware spreading' },
      });
      assert.equal(byAnalyst.statusCode, 403);
      const ok = await h.as('admin', {
        method: 'POST',
        url: `/api/v1/runs/${id}/override`,
        payload: { stepKey: 'act', reason: 'ransomware spreading from it' },
      });
      assert.equal(ok.statusCode, 200, ok.body);
      const done = await h.riposte.runs.settle(id, 5000, { untilTerminal: true });
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      assert.ok(target.state.isolated.has('dc01'));
      target.state.isolated.clear();
    });

    it('a per-target cool-down refuses a repeat too soon', async () => {
      await rule({
        kind: 'cooldown',
        name: 'one block per address an hour',
        match: { action: 'contain.block_ip' },
        seconds: 3600,
      });
      target.state.blocked.clear();
      const again = await start('one_block_ip');
      const done = await h.riposte.runs.settle(again, 5000, { untilTerminal: true });
      assert.equal(done.status, 'failed');
      assert.match(done.error!.message, /cool-down "one block per address an hour"/);
    });

    it('a blast-radius limit holds when many attempts race for it at once', async () => {
      await rule({
        kind: 'limit',
        name: 'three blocks a minute per playbook',
        match: { action: 'contain.block_ip' },
        max: 3,
        windowSeconds: 60,
        scope: 'playbook',
      });
      const ips = Array.from({ length: 12 }, (_, i) => `203.0.113.${100 + i}`);
      const blocks = await blockAtOnce('block_burst', ips);
      const refused = blocks.filter((s) => s.error?.kind === 'policy');
      assert.equal(ips.filter((ip) => target.state.blocked.has(ip)).length, 3, 'three addresses blocked');
      assert.equal(refused.length, 9, JSON.stringify(blocks.map((s) => s.error?.message ?? 'applied')));
      for (const s of refused) assert.match(s.error!.message, /three blocks a minute per playbook/);
    });

    it('a per-target cool-down lets one of several simultaneous attempts on a target through', async () => {
      await rule({
        kind: 'cooldown',
        name: 'one block per address a minute',
        match: { action: 'contain.block_ip' },
        seconds: 60,
      });
      const blocks = await blockAtOnce('block_same', Array(5).fill('203.0.113.200'));
      const refused = blocks.filter((s) => s.error?.kind === 'policy');
      assert.equal(refused.length, 4, JSON.stringify(blocks.map((s) => s.error?.message ?? s.output)));
      for (const s of refused) assert.match(s.error!.message, /cool-down "one block per address a minute"/);
      const ledger = (await h.riposte.response.ledger({ runId: blocks[0]!.runId })).filter(
        (e) => e.status !== 'noop',
      );
      assert.equal(ledger.length, 1, 'one application in the ledger');
    });

    it('a denied or expired approval refuses the action', async () => {
      await rule({
        kind: 'policy',
        name: 'locks need a manager',
        match: { action: 'contain.lock_account' },
        decision: 'approval',
      });
      const denied = await start('one_lock_account');
      const gate = (
        await until(
          () => run(denied),
          (r) => r.guardrails.length > 0,
          'the gate',
        )
      ).guardrails[0];
      await h.as('manager', {
        method: 'POST',
        url: `/api/v1/approvals/${gate.taskId}/decision`,
        payload: { decision: 'deny', reason: 'not kim' },
      });
      const d = await until(
        () => h.riposte.runs.get(denied),
        (r) => r.status === 'failed',
        'the denial',
      );
      assert.match(d.error!.message, /requires approval .*: denied/);

      const expiring = await start('one_lock_account');
      const g2 = (
        await until(
          () => run(expiring),
          (r) => r.guardrails.length > 0,
          'the gate',
        )
      ).guardrails[0];
      await h.riposte.database.db
        .updateTable('tasks')
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where('id', '=', g2.taskId)
        .execute();
      await h.riposte.worker.tick(true);
      const e = await until(
        () => h.riposte.runs.get(expiring),
        (r) => r.status === 'failed',
        'the expiry',
      );
      assert.match(e.error!.message, /the approval expired/);
      assert.equal(target.state.locked.has('kim'), false);
    });

    it('the kill switch holds destructive actions, and they continue when it is lifted', async () => {
      const engaged = await h.as('manager', {
        method: 'PUT',
        url: '/api/v1/response/kill-switch',
        payload: { engaged: true, reason: 'incident review' },
      });
      assert.equal(engaged.statusCode, 200);
      target.state.isolated.clear();
      const id = await start('one_isolate_host');
      const held = await until(
        () => run(id),
        (r) => r.guardrails.some((g: { state: string }) => g.state === 'held'),
        'the hold',
      );
      assert.match(held.guardrails[0].reason, /held by the kill switch \(incident review\)/);
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(target.state.isolated.has('dc01'), false, 'nothing happens while engaged');
      assert.notEqual((await run(id)).status, 'failed');
      await h.as('manager', {
        method: 'PUT',
        url: '/api/v1/response/kill-switch',
        payload: { engaged: false },
      });
      const done = await h.riposte.runs.settle(id, 5000, { untilTerminal: true });
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      assert.ok(target.state.isolated.has('dc01'));
    });
  });
}
