import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { FakeTarget } from '../support/fake-target.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { containment, startContainmentTarget } from '../support/test-response.ts';
import { databaseKinds } from '../support/test-databases.ts';

const ACTOR = { id: 't', type: 'system' as const };

const TWO_KEYS = `
id: two_keys
name: Two keys before a block
triggers: { manual: true }
steps:
  - id: ask
    approval:
      title: Block 203.0.113.9?
      description: Seen beaconing every 60 s.
      approvers: { role: manager }
      quorum: 2
      expires_in: 1h
  - id: block
    uses: fake.block
    with: { ip: 203.0.113.9 }
`;

const ISOLATE = `
id: isolate_wks9
name: Isolate wks-9
triggers: { manual: true }
steps:
  - id: isolate
    uses: contain.isolate_host
    with: { host: wks-9 }
`;

const TRIAGE = `
id: triage_question
name: Triage question
triggers: { manual: true }
steps:
  - id: ask
    task:
      title: Is this a known scanner?
      assignee: { role: analyst }
      choices: [scanner, unknown]
`;

interface Item {
  id: string;
  title: string;
  description: string | null;
  playbook: { id: string; name: string | null; version: number | null };
  run: { id: string; status: string | null; startedBy: string | null };
  case: { id: string; title: string } | null;
  guards: { action: string; effect: string | null; target: { type: string; value: string } | null } | null;
  requiredBy: { kind: string; policy?: string; ruleId?: string | null; stepKey?: string };
  quorum: { required: number; approvals: number } | null;
  expiresAt: string | null;
  createdAt: string;
}

/** The approvals inbox: each item says what is asked, by which playbook, for which target, and why. */
for (const kind of databaseKinds()) {
  describe(`approvals inbox on ${kind}`, () => {
    let h: Harness;
    let target: Awaited<ReturnType<typeof startContainmentTarget>>;
    const fake = new FakeTarget();
    let ruleId: string;
    let caseId: string;
    let twoKeysRun: string;

    before(async () => {
      target = await startContainmentTarget();
      h = await startHarness(
        kind,
        { outboundAllow: ['127.0.0.1'] },
        {
          worker: true,
          setup: (r) => {
            r.addIntegration(containment);
            for (const action of fake.actions()) r.actions.register(action);
          },
        },
      );
      await h.riposte.instances.put(
        h.riposte.integrations.get('contain'),
        'lab',
        { fields: { base_url: target.url } },
        ACTOR,
      );
      for (const source of [TWO_KEYS, ISOLATE, TRIAGE]) {
        const res = await h.as('analyst', { method: 'POST', url: '/api/v1/playbooks', payload: { source } });
        assert.equal(res.statusCode, 201, res.body);
      }
      const rule = await h.as('admin', {
        method: 'POST',
        url: '/api/v1/response/rules',
        payload: {
          kind: 'policy',
          name: 'isolation needs a manager',
          match: { action: 'contain.isolate_host' },
          decision: 'approval',
          approval: { role: 'manager' },
        },
      });
      assert.equal(rule.statusCode, 201, rule.body);
      ruleId = rule.json().id;
      // An alert with its case, for the run to name.
      const token = (await h.riposte.sources.create({ name: 'ids', format: 'suricata' }, ACTOR)).token;
      const ingest = await h.app.inject({
        method: 'POST',
        url: '/api/v1/sources/ids/alerts',
        payload: JSON.stringify(eveAlert({ sid: 4242, srcIp: '10.4.2.42', destIp: '203.0.113.9' })),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      });
      const [alertId] = ingest.json().alertIds as string[];
      caseId = (await until(
        async () => (await h.riposte.alerts.get(alertId!)).caseId,
        (id) => id !== null,
        'the alert to get its case',
      ))!;
      twoKeysRun = await start('two_keys', { alertId });
      await start('isolate_wks9');
      await start('triage_question');
      await until(
        () => approvals('manager'),
        (items) => items.length === 2,
        'both approvals to open',
      );
    });
    after(async () => {
      await h.close();
      await target.close();
    });

    const until = async <T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> => {
      for (let i = 0; i < 200; i++) {
        const v = await probe();
        if (ok(v)) return v;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    const start = async (playbookId: string, extra: Record<string, unknown> = {}) => {
      const res = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/runs',
        payload: { playbookId, ...extra },
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().id as string;
    };
    const approvals = async (role: 'manager' | 'analyst' | 'admin', query = '') => {
      const res = await h.as(role, { method: 'GET', url: `/api/v1/approvals${query}` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().items as Item[];
    };

    it('a playbook approval names its playbook, run, case, the step that asks and the quorum', async () => {
      const item = (await approvals('manager')).find((i) => i.playbook.id === 'two_keys');
      assert.ok(item);
      assert.equal(item.title, 'Block 203.0.113.9?');
      assert.equal(item.description, 'Seen beaconing every 60 s.');
      assert.deepEqual(item.playbook, { id: 'two_keys', name: 'Two keys before a block', version: 1 });
      assert.equal(item.run.id, twoKeysRun);
      assert.equal(item.run.startedBy, 'test-analyst');
      assert.equal(item.case?.id, caseId, 'the case of the alert the run was started for');
      assert.equal(item.guards, null, 'a playbook step guards no response action by itself');
      assert.deepEqual(item.requiredBy, { kind: 'step', playbookId: 'two_keys', stepKey: 'ask' });
      assert.deepEqual(item.quorum, { required: 2, approvals: 0 });
      assert.ok(item.expiresAt && Date.parse(item.expiresAt) > Date.now());
    });

    it('an approval the response gate asked for names the action, its target and the policy rule', async () => {
      const item = (await approvals('manager')).find((i) => i.playbook.id === 'isolate_wks9');
      assert.ok(item);
      assert.deepEqual(item.guards, {
        action: 'contain.isolate_host',
        effect: 'destructive',
        target: { type: 'host', value: 'wks-9' },
      });
      assert.deepEqual(item.requiredBy, { kind: 'policy', policy: 'isolation needs a manager', ruleId });
      assert.equal(item.case, null, 'a manual run without alert or case');
      assert.deepEqual(item.quorum, { required: 1, approvals: 0 });
    });

    it('shows quorum progress after one approval, and the run goes on after the second', async () => {
      const item = (await approvals('manager')).find((i) => i.playbook.id === 'two_keys')!;
      const first = await h.as('manager', {
        method: 'POST',
        url: `/api/v1/approvals/${item.id}/decision`,
        payload: { decision: 'approve', reason: 'beaconing confirmed' },
      });
      assert.equal(first.statusCode, 200, first.body);
      const one = await h.as('viewer', { method: 'GET', url: `/api/v1/approvals/${item.id}` });
      assert.deepEqual(one.json().quorum, { required: 2, approvals: 1 });
      assert.equal(one.json().playbook.name, 'Two keys before a block');
      const second = await h.as('admin', {
        method: 'POST',
        url: `/api/v1/approvals/${item.id}/decision`,
        payload: { decision: 'approve', reason: 'agreed' },
      });
      assert.equal(second.statusCode, 200, second.body);
      const run = await until(
        () => h.riposte.runs.get(twoKeysRun),
        (r) => r.status === 'succeeded' || r.status === 'failed',
        'the run to finish',
      );
      assert.equal(run.status, 'succeeded');
      assert.ok(fake.calls.some((c) => c.action === 'fake.block' && c.input['ip'] === '203.0.113.9'));
      assert.equal((await approvals('manager')).filter((i) => i.id === item.id).length, 0, 'no longer open');
    });

    it('lists only what the caller may decide, and tasks with their playbook and choices', async () => {
      assert.deepEqual(await approvals('analyst'), [], "an analyst decides no manager's approval");
      const res = await h.as('analyst', { method: 'GET', url: '/api/v1/tasks' });
      const [task] = res.json().items as (Item & { spec: { choices: string[] } })[];
      assert.equal(task?.playbook.name, 'Triage question');
      assert.deepEqual(task?.spec.choices, ['scanner', 'unknown']);
      assert.deepEqual(task?.requiredBy, { kind: 'step', playbookId: 'triage_question', stepKey: 'ask' });
      assert.equal(task?.quorum, null);
    });

    it('pages by cursor, newest first, and refuses a bad cursor or limit with the parameter named', async () => {
      await start('isolate_wks9');
      await until(
        () => approvals('manager'),
        (items) => items.length === 2,
        'a second open approval',
      );
      const first = (await h.as('manager', { method: 'GET', url: '/api/v1/approvals?limit=1' })).json();
      assert.equal(first.items.length, 1);
      assert.ok(first.nextCursor);
      const second = (
        await h.as('manager', {
          method: 'GET',
          url: `/api/v1/approvals?limit=1&cursor=${first.nextCursor}`,
        })
      ).json();
      assert.equal(second.items.length, 1);
      assert.equal(second.nextCursor, null);
      assert.ok(second.items[0].id < first.items[0].id, 'newest first');
      const bad = await h.as('manager', { method: 'GET', url: '/api/v1/approvals?cursor=bm9wZQ' });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'invalid_cursor');
      assert.equal(bad.json().path, 'cursor');
      const zero = await h.as('manager', { method: 'GET', url: '/api/v1/approvals?limit=0' });
      assert.equal(zero.statusCode, 400);
      assert.equal(zero.json().path, 'limit');
    });
  });
}
