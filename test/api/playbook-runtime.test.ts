import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeTarget } from '../support/fake-target.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';
import type { TaskNotification } from '../../src/runs/task-notifier.ts';

const ACTOR = { id: 't', type: 'system' as const };

/** The runner's clocks and the less common step kinds, end to end through the API. */
for (const kind of databaseKinds()) {
  describe(`playbook runtime on ${kind}`, () => {
    let h: Harness;
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
      await h.riposte.users.create(
        { username: 'boss', role: 'admin', password: 'correct horse battery' },
        ACTOR,
      );
      await h.riposte.users.create(
        { username: 'mgr', role: 'manager', password: 'correct horse battery' },
        ACTOR,
      );
    });
    after(() => h.close());

    const save = async (source: string) => {
      const res = await h.as('analyst', { method: 'POST', url: '/api/v1/playbooks', payload: { source } });
      assert.ok(res.statusCode === 201 || res.statusCode === 200, res.body);
    };
    const start = async (playbookId: string, inputs: Record<string, unknown> = {}) => {
      const res = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/runs',
        payload: { playbookId, inputs },
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().id as string;
    };
    const openTask = async (runId: string) => {
      for (let i = 0; i < 100; i++) {
        const rows = await h.riposte.tasks.list({ runId, status: 'open' });
        if (rows.length > 0) return rows[0]!;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no open task for ${runId}`);
    };
    /** Moves a task's clock into the past and runs the worker's clocks once. */
    const expireNow = async (taskId: string, column: 'expires_at' | 'remind_at') => {
      await h.riposte.database.db
        .updateTable('tasks')
        .set({ [column]: new Date(Date.now() - 1000).toISOString() })
        .where('id', '=', taskId)
        .execute();
      await h.riposte.worker.tick(true);
    };

    it('an expired approval takes its deny path', async () => {
      await save(`
id: expiring
name: Expiring approval
triggers: { manual: true }
steps:
  - id: approve
    approval:
      title: Contain?
      approvers: { role: manager }
      expires_in: 1h
      on_expiry: deny
    on_deny: declined
  - id: contained
    set: { result: contained }
  - id: done
    end: true
  - id: declined
    set: { result: declined }
`);
      const id = await start('expiring');
      const task = await openTask(id);
      await expireNow(task.id, 'expires_at');
      const run = await h.riposte.runs.settle(id, 5000, { untilTerminal: true });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      assert.equal(run.vars.result, 'declined');
      assert.equal((await h.riposte.tasks.get(task.id)).status, 'expired');
      assert.ok(notifications.some((n) => n.kind === 'expired' && n.task.id === task.id));
    });

    it('escalates an expired approval once, with reminders and signed links for the new approvers', async () => {
      await save(`
id: escalating
name: Escalating approval
triggers: { manual: true }
steps:
  - id: approve
    approval:
      title: Isolate the domain controller?
      approvers: { role: manager }
      expires_in: 1h
      on_expiry: escalate
      escalate_to: { role: admin }
      remind_every: 15m
`);
      const id = await start('escalating');
      const task = await openTask(id);
      await expireNow(task.id, 'remind_at');
      const reminder = notifications.find((n) => n.kind === 'reminder' && n.task.id === task.id);
      assert.ok(reminder, 'a reminder was sent');
      assert.deepEqual(
        reminder.links.map((l) => l.username),
        ['boss', 'mgr'],
        'links for every user the manager role covers',
      );
      await expireNow(task.id, 'expires_at');
      const escalated = await h.riposte.tasks.get(task.id);
      assert.equal(escalated.status, 'open');
      assert.equal(escalated.escalated, true);
      assert.deepEqual(escalated.assignee, { role: 'admin' });
      assert.ok(Date.parse(escalated.expiresAt!) > Date.now());
      assert.ok(notifications.some((n) => n.kind === 'escalated' && n.task.id === task.id));
      const byManager = await h.as('manager', {
        method: 'POST',
        url: `/api/v1/approvals/${task.id}/decision`,
        payload: { decision: 'approve' },
      });
      assert.equal(byManager.statusCode, 403, 'after escalation only the admin role decides');
      // Expiring again denies: an approval escalates once.
      await expireNow(task.id, 'expires_at');
      const run = await h.riposte.runs.settle(id, 5000, { untilTerminal: true });
      assert.equal(run.status, 'failed');
      assert.equal(run.error?.kind, 'expired');
    });

    it('a form task: answers are checked against the form and become the step output', async () => {
      await save(`
id: form_task
name: Form task
triggers: { manual: true }
steps:
  - id: collect
    task:
      title: Evidence
      assignee: { role: analyst }
      form:
        - { id: hosts, label: Affected hosts, type: number, required: true }
        - { id: exfil, label: Data taken, type: boolean, required: true }
        - { id: notes, label: Notes, type: text, required: false }
  - id: echo
    uses: core.echo
    with:
      hosts: \${{ steps.collect.output.hosts }}
      exfil: \${{ steps.collect.output.exfil }}
`);
      const id = await start('form_task');
      const task = await openTask(id);
      const missing = await h.as('analyst', {
        method: 'POST',
        url: `/api/v1/tasks/${task.id}/answer`,
        payload: { values: { hosts: 3 } },
      });
      assert.equal(missing.statusCode, 400);
      assert.equal(missing.json().path, '/values/exfil');
      const wrongType = await h.as('analyst', {
        method: 'POST',
        url: `/api/v1/tasks/${task.id}/answer`,
        payload: { values: { hosts: 'three', exfil: false } },
      });
      assert.equal(wrongType.json().path, '/values/hosts');
      const ok = await h.as('analyst', {
        method: 'POST',
        url: `/api/v1/tasks/${task.id}/answer`,
        payload: { values: { hosts: 3, exfil: false } },
      });
      assert.equal(ok.statusCode, 200, ok.body);
      const run = await h.riposte.runs.settle(id, 5000, { untilTerminal: true });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      assert.deepEqual(run.steps.find((s) => s.key === 'echo')!.output, { hosts: 3, exfil: false });
    });

    it('waits for a named event sent through the API', async () => {
      await save(`
id: wait_event
name: Wait for an event
triggers: { manual: true }
steps:
  - id: hold
    wait:
      event: edr.host_isolated
      match: \${{ event.host == "wks-1" }}
      timeout: 1h
  - id: after
    set:
      isolated: \${{ steps.hold.output.host }}
`);
      const id = await start('wait_event');
      assert.equal((await h.riposte.runs.settle(id, 5000)).status, 'waiting');
      const other = await h.as('analyst', {
        method: 'POST',
        url: `/api/v1/runs/${id}/events`,
        payload: { name: 'edr.host_isolated', payload: { host: 'wks-2' } },
      });
      assert.equal(other.statusCode, 200, other.body);
      assert.equal(
        (await h.riposte.runs.settle(id, 300)).status,
        'waiting',
        'a non-matching event is ignored',
      );
      await h.as('analyst', {
        method: 'POST',
        url: `/api/v1/runs/${id}/events`,
        payload: { name: 'edr.host_isolated', payload: { host: 'wks-1' } },
      });
      const run = await h.riposte.runs.settle(id, 5000, { untilTerminal: true });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      assert.equal(run.vars.isolated, 'wks-1');
    });

    it('a sub-playbook runs as its own run and hands its outputs to the parent step', async () => {
      await save(`
id: child_lookup
name: Child lookup
triggers: { manual: true }
inputs:
  ip: { type: string, required: true }
steps:
  - id: look
    uses: fake.lookup
    with:
      ip: \${{ inputs.ip }}
outputs:
  score: \${{ steps.look.output.score }}
`);
      await save(`
id: parent_flow
name: Parent flow
triggers: { manual: true }
steps:
  - id: each
    for_each: \${{ ["10.88.0.1", "10.88.0.2"] }}
    concurrency: 2
    do:
      - id: sub
        playbook: child_lookup
        with:
          ip: \${{ item }}
  - id: total
    set:
      sum: \${{ steps.each.output[0].steps.sub.score + steps.each.output[1].steps.sub.score }}
`);
      fake.scores.set('10.88.0.1', 10);
      fake.scores.set('10.88.0.2', 32);
      const id = await start('parent_flow');
      const run = await h.riposte.runs.settle(id, 5000, { untilTerminal: true });
      assert.equal(run.status, 'succeeded', JSON.stringify(run));
      assert.equal(run.vars.sum, 42);
      const children = await h.as('viewer', { method: 'GET', url: '/api/v1/runs?playbookId=child_lookup' });
      const items = children.json().items as {
        parentRunId: string;
        status: string;
        trigger: { kind: string };
      }[];
      assert.equal(items.filter((c) => c.parentRunId === id).length, 2);
      assert.ok(items.every((c) => c.status === 'succeeded' && c.trigger.kind === 'subrun'));
    });

    it('refuses a sub-playbook step that names a playbook nobody stored, with its position', async () => {
      const res = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks',
        payload: {
          source:
            'id: orphan\nname: Orphan\ntriggers: { manual: true }\nsteps:\n  - id: call\n    playbook: not_there\n',
        },
      });
      assert.equal(res.statusCode, 422, res.body);
      const [error] = res.json().errors as { line: number; message: string }[];
      assert.equal(error!.line, 5);
      assert.match(error!.message, /not_there/);
    });

    it('a scheduled playbook fires once per due time', async () => {
      await save(`
id: nightly
name: Nightly sweep
triggers: { schedule: ["0 3 * * *"] }
steps:
  - id: sweep
    uses: core.echo
    with: { what: sweep }
`);
      const [schedule] = await h.riposte.database.db.selectFrom('playbook_schedules').selectAll().execute();
      assert.ok(schedule);
      assert.match(schedule.next_at, /T03:00:00\.000Z$/);
      await h.riposte.database.db
        .updateTable('playbook_schedules')
        .set({ next_at: new Date(Date.now() - 1000).toISOString() })
        .execute();
      await h.riposte.worker.tick(true);
      await h.riposte.worker.tick(true);
      const runs = await h.riposte.runs.list({ playbookId: 'nightly' });
      assert.equal(runs.items.length, 1, 'fired exactly once');
      assert.equal(runs.items[0]!.trigger.kind, 'schedule');
      const [moved] = await h.riposte.database.db.selectFrom('playbook_schedules').selectAll().execute();
      assert.ok(Date.parse(moved!.next_at) > Date.now());
    });

    // Each would run for seconds: a comprehension nested in another over 10,000 items, and a single
    // one whose body lowers 400 KB for each of 10,000 items.
    const runaways = [
      {
        name: 'a runaway expression is stopped by its time bound and the run takes its error path',
        id: 'runaway',
        condition: 'inputs.xs.exists(a, inputs.xs.exists(b, a + b == -1))',
        inputs: { xs: Array.from({ length: 10_000 }, (_, i) => i) },
      },
      {
        name: 'a single comprehension whose body rereads a large value is stopped by its time bound too',
        id: 'runaway_reread',
        condition: 'inputs.xs.exists(a, inputs.text.lowerAscii().contains("needle") && a < 0)',
        inputs: { xs: Array.from({ length: 10_000 }, (_, i) => i), text: 'Haystack '.repeat(45_000) },
      },
    ];
    for (const runaway of runaways)
      it(runaway.name, async () => {
        await save(`
id: ${runaway.id}
name: Runaway
triggers: { manual: true }
inputs:
  xs: { type: list, required: true }
  text: { type: string }
steps:
  - id: check
    if: \${{ ${runaway.condition} }}
    on_error: recover
  - id: fine
    set: { path: normal }
  - id: done
    end: true
  - id: recover
    set:
      path: recovered
`);
        const started = Date.now();
        const id = await start(runaway.id, runaway.inputs);
        const run = await h.riposte.runs.settle(id, 10_000, { untilTerminal: true });
        assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
        assert.equal(run.vars.path, 'recovered');
        const check = run.steps.find((s) => s.key === 'check')!;
        assert.equal(check.error?.kind, 'expression');
        assert.match(check.error!.message, /ran longer than \d+ ms and was stopped/);
        assert.ok(Date.now() - started < 5000, 'stopped long before the seconds it would take');
      });

    it('a missing secret fails the step with the expression named, not the value', async () => {
      await save(`
id: needs_secret
name: Needs a secret
triggers: { manual: true }
steps:
  - id: call
    uses: fake.lookup
    with:
      ip: 10.0.0.1
      api_key: \${{ secrets.not_set }}
`);
      const id = await start('needs_secret');
      const run = await h.riposte.runs.settle(id, 5000, { untilTerminal: true });
      assert.equal(run.status, 'failed');
      assert.equal(run.error?.kind, 'expression');
      assert.match(run.error!.message, /not_set/);
    });
  });
}
