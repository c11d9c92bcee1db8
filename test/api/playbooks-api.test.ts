import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { FakeTarget } from '../support/fake-target.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';
import type { TaskNotification } from '../../src/runs/task-notifier.ts';

const ACTOR = { id: 't', type: 'system' as const };

/** The "done when" of the playbook issue: validate, store, trigger on an ingested alert, a task, an approval by a second person. */
const TRIAGE = `
id: ip_triage
name: IP triage
order: 10
triggers:
  alert: \${{ alert.rule.id == "9100" }}
steps:
  - id: lookup
    uses: fake.lookup
    with:
      ip: \${{ alert.observables.filter(o, o.type == "ipv4" && o.role == "source")[0].value }}
      api_key: \${{ secrets.fake_key }}
  - id: check
    if: \${{ steps.lookup.output.score > 50 }}
    then: ask
    else: benign
  - id: ask
    task:
      title: Is \${{ steps.lookup.output.ip }} expected?
      assignee: { role: analyst }
      choices: [expected, malicious]
  - id: decide
    if: \${{ steps.ask.output.choice == "malicious" }}
    then: approve_block
    else: benign
  - id: approve_block
    approval:
      title: Block \${{ steps.lookup.output.ip }}
      approvers: { role: manager }
      quorum: 2
      expires_in: 1h
    on_deny: benign
  - id: block
    uses: fake.block
    with:
      ip: \${{ steps.lookup.output.ip }}
  - id: done
    end: true
  - id: benign
    set: { verdict: benign }
outputs:
  blocked: \${{ has(steps.block.output) }}
`;

for (const kind of databaseKinds()) {
  describe(`playbooks through the API on ${kind}`, () => {
    let h: Harness;
    let source: string;
    const fake = new FakeTarget();
    const notifications: TaskNotification[] = [];

    before(async () => {
      h = await startHarness(
        kind,
        {},
        {
          worker: true,
          notify: async (n) => {
            notifications.push(n);
          },
          setup: (riposte) => {
            for (const action of fake.actions()) riposte.actions.register(action);
          },
        },
      );
      source = (await h.riposte.sources.create({ name: 'ids', format: 'suricata' }, ACTOR)).token;
      for (const [username, role] of [
        ['alice', 'analyst'],
        ['mona', 'manager'],
        ['mark', 'manager'],
      ] as const)
        await h.riposte.users.create({ username, role, password: 'correct horse battery' }, ACTOR);
    });
    after(() => h.close());

    const ingest = async (events: unknown[]) => {
      const res = await h.app.inject({
        method: 'POST',
        url: '/api/v1/sources/ids/alerts',
        payload: JSON.stringify(events),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${source}` },
      });
      assert.equal(res.statusCode, 202, res.body);
      return res.json().alertIds as string[];
    };
    const runsOf = async (alertId: string) => {
      for (let i = 0; i < 200; i++) {
        const res = await h.as('viewer', { method: 'GET', url: `/api/v1/runs?alertId=${alertId}` });
        const items = res.json().items as { id: string; status: string }[];
        if (items.length > 0 && items.every((r) => r.status !== 'queued' && r.status !== 'running'))
          return items;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`runs of ${alertId} did not settle`);
    };
    const run = async (id: string) =>
      (await h.as('viewer', { method: 'GET', url: `/api/v1/runs/${id}` })).json();
    const settle = (id: string) => h.riposte.runs.settle(id, 5000);
    const save = async (source: string) => {
      const saved = await h.as('analyst', { method: 'POST', url: '/api/v1/playbooks', payload: { source } });
      assert.equal(saved.statusCode, 201, saved.body);
    };

    it('refuses an invalid playbook with every error, line and column, and stores nothing', async () => {
      const bad =
        'id: broken\nname: Broken\nsteps:\n  - id: a\n    uses: fake.nope\n  - id: b\n    if: ${{ 1 + }}\n    then: nowhere\n';
      const res = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks',
        payload: bad,
        headers: { 'content-type': 'application/yaml' },
      });
      assert.equal(res.statusCode, 422, res.body);
      const errors = res.json().errors as { line: number; column: number; message: string }[];
      assert.ok(errors.length >= 3, JSON.stringify(errors));
      assert.ok(
        errors.some((e) => e.line === 5 && /fake\.nope/.test(e.message)),
        JSON.stringify(errors),
      );
      assert.ok(
        errors.some((e) => e.line === 7),
        JSON.stringify(errors),
      );
      assert.ok(
        errors.some((e) => e.line === 8 && /nowhere/.test(e.message)),
        JSON.stringify(errors),
      );
      const list = await h.as('viewer', { method: 'GET', url: '/api/v1/playbooks' });
      assert.deepEqual(list.json().items, []);
    });

    it('publishes the playbook JSON Schema without authentication', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/api/v1/schemas/playbook.json' });
      assert.equal(res.statusCode, 200);
      assert.ok(res.json().properties.steps);
    });

    it('runs on an ingested alert: a task answered, an approval granted by two other people, the action applied', async () => {
      await h.as('admin', {
        method: 'PUT',
        url: '/api/v1/secrets/fake_key',
        payload: { value: 'sekrit-value-123' },
      });
      const saved = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks',
        payload: { source: TRIAGE },
      });
      assert.equal(saved.statusCode, 201, saved.body);
      assert.equal(saved.json().playbook.version, 1);
      fake.scores.set('10.66.0.1', 90);
      const [alertId] = await ingest([eveAlert({ srcIp: '10.66.0.1', sid: 9100, destIp: '198.51.100.9' })]);
      const [first] = await runsOf(alertId!);
      assert.equal(first!.status, 'waiting');

      const tasks = await h.as('analyst', { method: 'GET', url: '/api/v1/tasks' });
      const task = (tasks.json().items as { id: string; runId: string; title: string }[]).find(
        (t) => t.runId === first!.id,
      );
      assert.ok(task, tasks.body);
      assert.equal(task.title, 'Is 10.66.0.1 expected?');
      assert.ok(notifications.some((n) => n.kind === 'opened' && n.task.id === task.id));
      const wrong = await h.as('analyst', {
        method: 'POST',
        url: `/api/v1/tasks/${task.id}/answer`,
        payload: { choice: 'maybe' },
      });
      assert.equal(wrong.statusCode, 400);
      assert.equal(wrong.json().path, '/choice');
      const answered = await h.as('analyst', {
        method: 'POST',
        url: `/api/v1/tasks/${task.id}/answer`,
        payload: { choice: 'malicious', reason: 'known scanner' },
      });
      assert.equal(answered.statusCode, 200, answered.body);
      await settle(first!.id);

      const approvals = await h.as('manager', { method: 'GET', url: '/api/v1/approvals' });
      const approval = (approvals.json().items as { id: string; runId: string }[]).find(
        (a) => a.runId === first!.id,
      );
      assert.ok(approval, approvals.body);
      const byAnalyst = await h.as('analyst', {
        method: 'POST',
        url: `/api/v1/approvals/${approval.id}/decision`,
        payload: { decision: 'approve' },
      });
      assert.equal(byAnalyst.statusCode, 403, 'an analyst is not a manager');

      // Quorum 2: the first manager's approval is not enough; the same person twice does not count.
      const link = await h.as('manager', {
        method: 'POST',
        url: `/api/v1/approvals/${approval.id}/links`,
        payload: { username: 'mona' },
      });
      assert.equal(link.statusCode, 201, link.body);
      const url = new URL(link.json().url);
      const page = await h.app.inject({ method: 'GET', url: url.pathname + url.search });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Block 10\.66\.0\.1/);
      assert.equal((await run(first!.id)).status, 'waiting', 'opening the link decides nothing');
      const viaLink = await h.app.inject({
        method: 'POST',
        url: url.pathname + url.search,
        payload: 'decision=approve&reason=seen+it',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(viaLink.statusCode, 200, viaLink.body);
      const twice = await h.app.inject({
        method: 'POST',
        url: url.pathname + url.search,
        payload: 'decision=approve',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(twice.statusCode, 409, 'the same person twice does not count');
      const tampered = await h.app.inject({
        method: 'GET',
        url: url.pathname + url.search.replace('u=mona', 'u=mark'),
      });
      assert.equal(tampered.statusCode, 401);
      assert.equal((await run(first!.id)).status, 'waiting');

      const mark = await h.riposte.users.login('mark', 'correct horse battery', '127.0.0.1');
      const second = await h.app.inject({
        method: 'POST',
        url: `/api/v1/approvals/${approval.id}/decision`,
        payload: { decision: 'approve', reason: 'agreed' },
        headers: { cookie: `riposte_session=${mark.session}` },
      });
      assert.equal(second.statusCode, 200, second.body);
      const finished = await settle(first!.id);
      assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
      assert.deepEqual(finished.outputs, { blocked: true });
      assert.equal([...fake.effects.values()].filter((e) => e.ip === '10.66.0.1').length, 1);
      const detail = await run(first!.id);
      const steps = new Map(
        (detail.steps as { key: string; status: string }[]).map((s) => [s.key, s.status]),
      );
      for (const key of ['lookup', 'check', 'ask', 'decide', 'approve_block', 'block', 'done'])
        assert.equal(steps.get(key), 'succeeded', key);
      assert.notEqual(steps.get('benign'), 'succeeded');

      // The secret reached the integration but appears in no stored state, output or API answer.
      assert.ok(fake.calls.some((c) => c.input['api_key'] === 'sekrit-value-123'));
      assert.doesNotMatch(JSON.stringify(detail), /sekrit-value-123/);
      const audit = await h.riposte.database.db
        .selectFrom('audit_log')
        .select(['action', 'details'])
        .execute();
      assert.doesNotMatch(JSON.stringify(audit), /sekrit-value-123/);
      const decisions = audit.filter((a) => a.action.startsWith('approval.') || a.action.startsWith('task.'));
      assert.ok(decisions.length >= 3, JSON.stringify(decisions));
    });

    it('a benign score takes the else path without asking anyone', async () => {
      fake.scores.set('10.66.0.2', 5);
      const [alertId] = await ingest([eveAlert({ srcIp: '10.66.0.2', sid: 9100, destIp: '198.51.100.9' })]);
      const [only] = await runsOf(alertId!);
      const detail = await run(only!.id);
      assert.equal(detail.status, 'succeeded', JSON.stringify(detail));
      assert.equal(detail.vars.verdict, 'benign');
      assert.deepEqual(detail.outputs, { blocked: false });
      const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
      assert.match(
        metrics.body,
        /riposte_runs_finished_total\{playbook="ip_triage",status="succeeded"\} [1-9]/,
      );
    });

    it('a run started by a trigger that never reads alert.raw still sees the raw event; a trigger that reads it matches on it', async () => {
      // Triggers that do not name alert.raw are evaluated without parsing it (src/runs/run-triggers.ts);
      // the run they start in place must still get the whole alert.
      await save(`id: raw_port
name: Raw port
order: 90
triggers:
  alert: \${{ alert.rule.id == "9301" }}
steps:
  - id: note
    set: { seen: true }
outputs:
  port: \${{ alert.raw.dest_port }}
  host: \${{ alert.raw.http.hostname }}
`);
      const [first] = await ingest([eveAlert({ sid: 9301, srcIp: '10.93.0.1', hostname: 'port.example' })]);
      const [portRun] = await runsOf(first!);
      const detail = await run(portRun!.id);
      assert.equal(detail.status, 'succeeded', JSON.stringify(detail));
      assert.deepEqual(detail.outputs, { port: 80, host: 'port.example' });

      await save(`id: raw_host
name: Raw host
order: 91
triggers:
  alert: \${{ alert.raw.http.hostname == "raw-only.example" }}
steps:
  - id: note
    set: { seen: true }
`);
      const [matching, other] = await ingest([
        eveAlert({ sid: 9302, srcIp: '10.93.0.2', hostname: 'raw-only.example' }),
        eveAlert({ sid: 9303, srcIp: '10.93.0.3', hostname: 'elsewhere.example' }),
      ]);
      const started = await runsOf(matching!);
      assert.deepEqual(
        started.map((r) => (r as { playbookId?: string }).playbookId),
        ['raw_host'],
        JSON.stringify(started),
      );
      const res = await h.as('viewer', { method: 'GET', url: `/api/v1/runs?alertId=${other!}` });
      assert.deepEqual(res.json().items, []);
    });

    it('pins the version a run started with; a new version applies to new runs only', async () => {
      const v2 = TRIAGE.replace('name: IP triage', 'name: IP triage v2');
      const saved = await h.as('analyst', {
        method: 'PUT',
        url: '/api/v1/playbooks/ip_triage',
        payload: { source: v2 },
      });
      assert.equal(saved.statusCode, 200, saved.body);
      assert.equal(saved.json().playbook.version, 2);
      const again = await h.as('analyst', {
        method: 'PUT',
        url: '/api/v1/playbooks/ip_triage',
        payload: { source: v2 },
      });
      assert.equal(again.json().changed, false);
      const versions = await h.as('viewer', { method: 'GET', url: '/api/v1/playbooks/ip_triage/versions' });
      assert.deepEqual(
        (versions.json().items as { version: number }[]).map((v) => v.version),
        [2, 1],
      );
      fake.scores.set('10.66.0.3', 1);
      const [alertId] = await ingest([eveAlert({ srcIp: '10.66.0.3', sid: 9100, destIp: '198.51.100.9' })]);
      const [latest] = await runsOf(alertId!);
      assert.equal((await run(latest!.id)).playbookVersion, 2);
    });

    it('cancels a waiting run and closes its open task', async () => {
      fake.scores.set('10.66.0.4', 99);
      const [alertId] = await ingest([eveAlert({ srcIp: '10.66.0.4', sid: 9100, destIp: '198.51.100.9' })]);
      const [waiting] = await runsOf(alertId!);
      assert.equal(waiting!.status, 'waiting');
      const res = await h.as('analyst', {
        method: 'POST',
        url: `/api/v1/runs/${waiting!.id}/cancel`,
        payload: { reason: 'duplicate investigation' },
      });
      assert.equal(res.statusCode, 200, res.body);
      const done = await h.riposte.runs.settle(waiting!.id, 5000, { untilTerminal: true });
      assert.equal(done.status, 'cancelled');
      const tasks = await h.as('admin', { method: 'GET', url: `/api/v1/tasks?runId=${waiting!.id}` });
      assert.ok(
        (tasks.json().items as { status: string }[]).every((t) => t.status === 'cancelled'),
        tasks.body,
      );
      const again = await h.as('analyst', {
        method: 'POST',
        url: `/api/v1/runs/${waiting!.id}/cancel`,
        payload: {},
      });
      assert.equal(again.statusCode, 409);
    });

    it('retries transient failures, lists a failed run in the inbox, and retries it from the failed step', async () => {
      const flaky = `
id: flaky_chain
name: Flaky chain
triggers: { manual: true }
steps:
  - id: first
    uses: core.echo
    with: { n: 1 }
  - id: wobbly
    uses: fake.flaky
    retry: { attempts: 2, backoff: 10ms }
  - id: last
    uses: core.echo
    with:
      after: \${{ steps.wobbly.output.ok }}
`;
      assert.equal(
        (await h.as('analyst', { method: 'POST', url: '/api/v1/playbooks', payload: { source: flaky } }))
          .statusCode,
        201,
      );
      fake.flakyFailures = 3;
      const started = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/runs',
        payload: { playbookId: 'flaky_chain' },
      });
      assert.equal(started.statusCode, 201, started.body);
      const id = started.json().id as string;
      const failed = await h.riposte.runs.settle(id, 5000, { untilTerminal: true });
      assert.equal(failed.status, 'failed', JSON.stringify(failed));
      const wobbly = failed.steps.find((s) => s.key === 'wobbly')!;
      assert.equal(wobbly.status, 'failed');
      assert.equal(wobbly.attempts?.length, 2);
      const inbox = await h.as('viewer', { method: 'GET', url: '/api/v1/runs?inbox=true' });
      assert.ok((inbox.json().items as { id: string }[]).some((r) => r.id === id));

      const retried = await h.as('analyst', { method: 'POST', url: `/api/v1/runs/${id}/retry` });
      assert.equal(retried.statusCode, 200, retried.body);
      const ok = await h.riposte.runs.settle(id, 5000, { untilTerminal: true });
      assert.equal(ok.status, 'succeeded', JSON.stringify(ok));
      assert.equal(
        ok.steps.find((s) => s.key === 'last')!.output &&
          (ok.steps.find((s) => s.key === 'last')!.output as { after: boolean }).after,
        true,
      );
      const firstCalls = fake.calls.filter((c) => c.action === 'fake.flaky' && c.key.startsWith(`${id}:`));
      assert.equal(
        new Set(firstCalls.map((c) => c.key)).size,
        firstCalls.length,
        'every attempt has its own key',
      );
    });

    it('a dry run intercepts the destructive action and reports it', async () => {
      fake.scores.set('10.66.0.5', 0);
      const dry = `
id: dry_block
name: Dry block
triggers: { manual: true }
steps:
  - id: lookup
    uses: fake.lookup
    with: { ip: "10.66.0.5" }
  - id: block
    uses: fake.block
    with:
      ip: \${{ steps.lookup.output.ip }}
`;
      assert.equal(
        (await h.as('analyst', { method: 'POST', url: '/api/v1/playbooks', payload: { source: dry } }))
          .statusCode,
        201,
      );
      const before = fake.effects.size;
      const started = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/runs',
        payload: { playbookId: 'dry_block', dryRun: true },
      });
      const done = await h.riposte.runs.settle(started.json().id, 5000, { untilTerminal: true });
      assert.equal(done.status, 'succeeded', JSON.stringify(done));
      assert.equal(fake.effects.size, before, 'nothing was blocked');
      const block = done.steps.find((s) => s.key === 'block')!;
      assert.deepEqual(block.output, {
        dryRun: true,
        intercepted: 'fake.block',
        effect: 'destructive',
        input: { ip: '10.66.0.5' },
      });
      assert.ok(
        fake.calls.some((c) => c.action === 'fake.lookup' && c.input['ip'] === '10.66.0.5'),
        'reads still run',
      );
    });

    it('starts playbooks on case events', async () => {
      const onCase = `
id: on_case
name: Comment on new cases
triggers: { case: [created] }
steps:
  - id: note
    uses: riposte.add_case_comment
    with:
      case_id: \${{ case.id }}
      body: Triage started for \${{ case.title }}
`;
      assert.equal(
        (await h.as('analyst', { method: 'POST', url: '/api/v1/playbooks', payload: { source: onCase } }))
          .statusCode,
        201,
      );
      const [alertId] = await ingest([
        eveAlert({
          srcIp: '10.77.0.1',
          sid: 4242,
          destIp: '198.51.100.7',
          hostname: 'case-host.example.org',
        }),
      ]);
      await h.riposte.grouping.drain();
      const alert = (await h.as('viewer', { method: 'GET', url: `/api/v1/alerts/${alertId}` })).json();
      let comments: { body: string; author: string }[] = [];
      for (let i = 0; i < 200 && comments.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
        comments = (await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${alert.caseId}` })).json()
          .comments;
      }
      assert.equal(comments.length, 1);
      assert.match(comments[0]!.body, /^Triage started for /);
      assert.match(comments[0]!.author, /^run:run_/);
    });
  });
}
