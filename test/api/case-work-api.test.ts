import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { BIG_CASE_ALERTS } from '../../src/cases/case-runs.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { startWebhookSink, type WebhookSink } from '../support/webhook-sink.ts';
import { containment, startContainmentTarget } from '../support/test-response.ts';
import { databaseKinds } from '../support/test-databases.ts';

const ACTOR = { id: 't', type: 'system' as const };

/** An alert of rule 9101 opens a task; answering "block" blocks the alert's destination IP. */
const ASK_THEN_BLOCK = `
id: ask_then_block
name: Ask, then block
triggers:
  alert: \${{ alert.rule.id == "9101" }}
steps:
  - id: ask
    task:
      title: Block \${{ alert.observables.filter(o, o.type == "ipv4" && o.role == "destination")[0].value }}?
      assignee: { role: analyst }
      choices: [block, leave]
  - id: decide
    if: \${{ steps.ask.output.choice == "leave" }}
    then: done
  - id: block
    uses: contain.block_ip
    with:
      ip: \${{ alert.observables.filter(o, o.type == "ipv4" && o.role == "destination")[0].value }}
  - id: done
    end: true
`;

const BLOCK_ONE = `
id: block_one
name: Block one address
triggers: { manual: true }
inputs:
  ip: { type: string, required: true }
steps:
  - id: act
    uses: contain.block_ip
    with:
      ip: \${{ inputs.ip }}
`;

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 250; i++) {
    const value = await probe();
    if (ok(value)) return value;
    await new Promise((r) => setTimeout(r, 40));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await probe()).slice(0, 2000)}`);
}

for (const kind of databaseKinds()) {
  describe(`case work queue and case view API on ${kind}`, () => {
    let h: Harness;
    let source: string;
    let webhook: WebhookSink;
    let target: Awaited<ReturnType<typeof startContainmentTarget>>;
    let sid = 5000;

    before(async () => {
      webhook = await startWebhookSink();
      target = await startContainmentTarget();
      h = await startHarness(
        kind,
        {
          notifyWebhookUrl: webhook.url,
          outboundAllow: ['127.0.0.1'],
          sla: {
            high: { acknowledgeSeconds: 3600, containSeconds: 2 * 3600, resolveSeconds: 24 * 3600 },
            medium: { acknowledgeSeconds: 4 * 3600, resolveSeconds: 3 * 86400 },
          },
        },
        { worker: true, setup: (r) => r.addIntegration(containment) },
      );
      await h.riposte.instances.put(
        h.riposte.integrations.get('contain'),
        'lab',
        { fields: { base_url: target.url } },
        ACTOR,
      );
      source = (await h.riposte.sources.create({ name: 'ids', format: 'suricata' }, ACTOR)).token;
      for (const username of ['alice', 'bob'])
        await h.riposte.users.create({ username, role: 'analyst', password: 'correct horse battery' }, ACTOR);
      for (const playbook of [ASK_THEN_BLOCK, BLOCK_ONE]) {
        const res = await h.as('analyst', {
          method: 'POST',
          url: '/api/v1/playbooks',
          payload: { source: playbook },
        });
        assert.equal(res.statusCode, 201, res.body);
      }
    });
    after(async () => {
      await h.close();
      await target.close();
      webhook.server.close();
    });

    /** A case of its own (a new rule and host), opened from one ingested alert. */
    const newCase = async (options: { severity?: number; rule?: number; destIp?: string } = {}) => {
      const n = sid++;
      const res = await h.app.inject({
        method: 'POST',
        url: '/api/v1/sources/ids/alerts',
        payload: JSON.stringify(
          eveAlert({
            sid: options.rule ?? n,
            srcIp: `10.61.${Math.floor(n / 250) % 250}.${n % 250}`,
            destIp: options.destIp ?? '198.51.100.200',
            hostname: `host-${n}.example.org`,
            severity: options.severity ?? 1,
          }),
        ),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${source}` },
      });
      assert.equal(res.statusCode, 202, res.body);
      const [alertId] = res.json().alertIds as string[];
      await h.riposte.grouping.drain();
      const alert = await h.riposte.database.db
        .selectFrom('alerts')
        .select('case_id')
        .where('id', '=', alertId!)
        .executeTakeFirstOrThrow();
      return { caseId: alert.case_id!, alertId: alertId! };
    };
    const get = async (url: string, role: 'viewer' | 'analyst' = 'viewer') => {
      const res = await h.as(role, { method: 'GET', url });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    const patch = async (caseId: string, payload: object, role: 'analyst' | 'manager' = 'analyst') => {
      const res = await h.as(role, { method: 'PATCH', url: `/api/v1/cases/${caseId}`, payload });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    const openedMinutesAgo = async (caseId: string, minutes: number) =>
      h.riposte.database.db
        .updateTable('cases')
        .set({ created_at: new Date(Date.now() - minutes * 60_000).toISOString() })
        .where('id', '=', caseId)
        .execute();

    it('returns each case SLA from its severity: ok, at risk, breached, then met once taken and closed', async () => {
      const fresh = await newCase();
      const risky = await newCase();
      const late = await newCase();
      await openedMinutesAgo(risky.caseId, 50); // 50 of 60 minutes: 83 %
      await openedMinutesAgo(late.caseId, 90);
      const list = await get('/api/v1/cases?status=open&limit=500');
      const sla = (id: string) => list.items.find((c: { id: string }) => c.id === id).sla;
      assert.equal(sla(fresh.caseId).state, 'ok');
      assert.equal(sla(fresh.caseId).acknowledge.targetSeconds, 3600);
      assert.equal(sla(risky.caseId).state, 'at_risk');
      assert.equal(sla(risky.caseId).acknowledge.state, 'at_risk');
      assert.equal(sla(late.caseId).state, 'breached');
      assert.equal(sla(late.caseId).resolve.state, 'ok');

      const taken = await patch(risky.caseId, { assignee: 'alice' });
      assert.ok(taken.acknowledgedAt);
      assert.equal(taken.sla.acknowledge.state, 'met');
      assert.equal(taken.sla.state, 'ok');
      const closed = await patch(fresh.caseId, { status: 'closed', resolution: 'false_positive' });
      assert.equal(closed.sla.state, 'met');
      assert.equal(closed.acknowledgedAt, closed.closedAt);
      // A later reassignment does not move the acknowledgement.
      const again = await patch(risky.caseId, { assignee: 'bob' });
      assert.equal(again.acknowledgedAt, taken.acknowledgedAt);
      const detail = await get(`/api/v1/cases/${late.caseId}`);
      assert.equal(detail.sla.state, 'breached');
      // Medium severity has its own, longer targets.
      const medium = await newCase({ severity: 2 });
      assert.equal((await get(`/api/v1/cases/${medium.caseId}`)).sla.acknowledge.targetSeconds, 4 * 3600);
    });

    it('keeps the contain clock: marked contained by hand (audited, undoable), or by the first containment action a playbook applies', async () => {
      const byHand = await newCase();
      await openedMinutesAgo(byHand.caseId, 100); // 100 of 120 minutes to contain: at risk
      const before = await get(`/api/v1/cases/${byHand.caseId}`);
      assert.equal(before.containedAt, null);
      assert.equal(before.sla.contain.state, 'at_risk');
      assert.equal(before.sla.contain.targetSeconds, 7200);
      const contained = await patch(byHand.caseId, { contained: true });
      assert.ok(contained.containedAt);
      assert.equal(contained.sla.contain.state, 'met');
      // Asking again keeps the first time; a wrong mark is taken back.
      assert.equal((await patch(byHand.caseId, { contained: true })).containedAt, contained.containedAt);
      assert.equal((await patch(byHand.caseId, { contained: false })).containedAt, null);
      const bad = await h.as('analyst', {
        method: 'PATCH',
        url: `/api/v1/cases/${byHand.caseId}`,
        payload: { contained: 'yes' },
      });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().path, '/contained');
      const audit = await get(`/api/v1/cases/${byHand.caseId}/timeline`);
      const changes = (audit.items as { action: string; details: { changes?: Record<string, unknown> } }[])
        .filter((r) => r.action === 'case.update' && r.details.changes?.['contained'])
        .map((r) => r.details.changes!['contained']);
      assert.equal(changes.length, 2);

      // A playbook blocking an address (RE&CT RA3101) contains its case when the action is applied.
      const { caseId } = await newCase({ rule: 9101, destIp: '198.51.100.87' });
      const tasks = await until(
        () => get(`/api/v1/tasks?caseId=${caseId}&mine=false`),
        (page) => page.items.length === 1,
        "the case's task",
      );
      assert.equal((await get(`/api/v1/cases/${caseId}`)).containedAt, null);
      const answer = await h.as('analyst', {
        method: 'POST',
        url: `/api/v1/tasks/${tasks.items[0].id}/answer`,
        payload: { choice: 'block' },
      });
      assert.equal(answer.statusCode, 200, answer.body);
      const actions = await until(
        () => get(`/api/v1/cases/${caseId}/actions`),
        (page) => page.items.length === 1,
        'the ledger entry',
      );
      const detail = await get(`/api/v1/cases/${caseId}`);
      assert.equal(detail.containedAt, actions.items[0].appliedAt);
      assert.equal(detail.sla.contain.state, 'met');
      const rollback = await h.as('analyst', { method: 'POST', url: `/api/v1/cases/${caseId}/rollback` });
      assert.equal(rollback.statusCode, 200, rollback.body);
      // Undoing the containment does not undo that it happened (time to contain is history).
      assert.equal((await get(`/api/v1/cases/${caseId}`)).containedAt, detail.containedAt);
    });

    it('filters by assignee me and unassigned, and sorts by priority across pages and by age', async () => {
      const made = [];
      for (let i = 0; i < 5; i++) made.push(await newCase());
      const priorities = [40, 90, 40, 70, 40];
      for (const [i, c] of made.entries())
        await h.riposte.database.db
          .updateTable('cases')
          .set({ priority: priorities[i]!, tags: '["queue-test"]' })
          .where('id', '=', c.caseId)
          .execute();
      for (const c of made)
        await h.riposte.database.db
          .insertInto('case_tags')
          .values({ case_id: c.caseId, tag: 'queue-test' })
          .execute();
      // The analyst token's principal is named test-analyst; a person named analyst too.
      const me = (await get('/api/v1/session', 'analyst')).principal.name as string;
      await h.riposte.users.create(
        { username: me, role: 'analyst', password: 'correct horse battery' },
        ACTOR,
      );
      await patch(made[1]!.caseId, { assignee: me });
      await patch(made[3]!.caseId, { assignee: 'alice' });

      const mine = await get('/api/v1/cases?assignee=me&tag=queue-test', 'analyst');
      assert.deepEqual(
        mine.items.map((c: { id: string }) => c.id),
        [made[1]!.caseId],
      );
      const unassigned = await get('/api/v1/cases?assignee=unassigned&tag=queue-test');
      assert.deepEqual(
        new Set(unassigned.items.map((c: { id: string }) => c.id)),
        new Set([made[0]!.caseId, made[2]!.caseId, made[4]!.caseId]),
      );

      const seen: { id: string; priority: number }[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: { id: string; priority: number }[]; nextCursor: string | null } = await get(
          `/api/v1/cases?tag=queue-test&sort=priority&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        assert.ok(page.items.length <= 2);
        seen.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      const newestFirst = (a: string, b: string) => (a < b ? 1 : -1);
      const expected = [
        made[1]!.caseId,
        made[3]!.caseId,
        ...[made[0]!.caseId, made[2]!.caseId, made[4]!.caseId].sort(newestFirst),
      ];
      assert.deepEqual(
        seen.map((c) => c.id),
        expected,
      );
      const oldest = await get('/api/v1/cases?tag=queue-test&sort=oldest&limit=2');
      assert.deepEqual(
        oldest.items.map((c: { id: string }) => c.id),
        [made[0]!.caseId, made[1]!.caseId],
      );
      const rest = await get(`/api/v1/cases?tag=queue-test&sort=oldest&limit=10&cursor=${oldest.nextCursor}`);
      assert.deepEqual(
        rest.items.map((c: { id: string }) => c.id),
        made.slice(2).map((c) => c.caseId),
      );
      const bad = await h.as('viewer', { method: 'GET', url: '/api/v1/cases?sort=priority&cursor=bm9wZQ' });
      assert.equal(bad.statusCode, 400);
      assert.equal((await h.as('viewer', { method: 'GET', url: '/api/v1/cases?sort=size' })).statusCode, 400);
    });

    if (kind === 'sqlite')
      it('reads the queue filters and the priority order from indexes', async () => {
        const plan = async (query: ReturnType<typeof sql>) =>
          (await query.execute(h.riposte.database.db)).rows
            .map((r) => String((r as { detail: string }).detail))
            .join(' | ');
        const priority = await plan(
          sql`EXPLAIN QUERY PLAN SELECT * FROM cases WHERE status = 'open' ORDER BY priority DESC, id DESC LIMIT 51`,
        );
        assert.match(priority, /USING INDEX cases_status_priority/);
        assert.doesNotMatch(priority, /TEMP B-TREE/);
        const mine = await plan(
          sql`EXPLAIN QUERY PLAN SELECT * FROM cases WHERE assignee = 'alice' AND status = 'open' ORDER BY priority DESC, id DESC LIMIT 51`,
        );
        assert.match(mine, /USING INDEX cases_assignee_status_priority/);
        assert.doesNotMatch(mine, /TEMP B-TREE/);
        const next = await plan(
          sql`EXPLAIN QUERY PLAN SELECT * FROM cases WHERE status = 'open' AND (priority, id) < (50, 'case_x') ORDER BY priority DESC, id DESC LIMIT 51`,
        );
        assert.match(next, /USING INDEX cases_status_priority \(status=\? AND \(priority,id\)<\(\?,\?\)\)/);
        const unassigned = await plan(
          sql`EXPLAIN QUERY PLAN SELECT * FROM cases WHERE assignee IS NULL AND status = 'open' ORDER BY id DESC LIMIT 51`,
        );
        assert.match(unassigned, /USING INDEX cases_assignee_status \(assignee=\? AND status=\?\)/);
        assert.doesNotMatch(unassigned, /TEMP B-TREE/);
      });

    it('stores the @mentions of existing users with a comment and sends them to the notification webhook', async () => {
      const { caseId } = await newCase();
      const res = await h.as('analyst', {
        method: 'POST',
        url: `/api/v1/cases/${caseId}/comments`,
        payload: { body: '@alice please check this. @nobody, mail bob@example.org, and @bob.' },
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual(res.json().mentions, ['alice', 'bob']);
      const detail = await get(`/api/v1/cases/${caseId}`);
      assert.deepEqual(detail.comments.at(-1).mentions, ['alice', 'bob']);
      const sent = await until(
        async () =>
          webhook.bodies.filter((b) => b.kind === 'mention' && (b.case as { id: string }).id === caseId),
        (found) => found.length > 0,
        'the mention notification',
      );
      assert.equal(sent.length, 1);
      assert.deepEqual(sent[0]!.mentioned, ['alice', 'bob']);
      assert.equal((sent[0]!.comment as { id: string }).id, res.json().id);
      assert.match(String(sent[0]!.url), new RegExp(`/ui/cases/${caseId}$`));
      const none = await h.as('analyst', {
        method: 'POST',
        url: `/api/v1/cases/${caseId}/comments`,
        payload: { body: 'no one named here' },
      });
      assert.deepEqual(none.json().mentions, []);
      const people = await get('/api/v1/people');
      assert.ok(
        people.items.some(
          (p: { username: string; role: string }) => p.username === 'alice' && p.role === 'analyst',
        ),
      );
    });

    it("an alert moved to another case takes its run and the run's task along", async () => {
      const { caseId, alertId } = await newCase({ rule: 9101, destIp: '198.51.100.95' });
      const into = await newCase({ destIp: '198.51.100.96' });
      const run = await until(
        () => get(`/api/v1/runs?caseId=${caseId}`),
        (page) => page.items.length === 1,
        "the alert's run under its case",
      );
      await until(
        () => get(`/api/v1/tasks?caseId=${caseId}&mine=false`),
        (page) => page.items.length === 1,
        "the run's task under the case",
      );
      const moved = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/alerts/bulk',
        payload: { action: 'attach', caseId: into.caseId, ids: [alertId] },
      });
      assert.equal(moved.statusCode, 200, moved.body);
      const there = await get(`/api/v1/runs?caseId=${into.caseId}`);
      assert.deepEqual(
        there.items.map((r: { id: string }) => r.id),
        [run.items[0].id],
      );
      assert.equal((await get(`/api/v1/runs?caseId=${caseId}`)).items.length, 0);
      assert.equal((await get(`/api/v1/tasks?caseId=${into.caseId}&mine=false`)).items.length, 1);
      assert.equal((await get(`/api/v1/tasks?caseId=${caseId}&mine=false`)).items.length, 0);
    });

    // A big case (more than BIG_CASE_ALERTS alerts) finds its runs, tasks and timeline rows the other
    // way round (src/cases/case-runs.ts); both ways must give the same answers.
    for (const padding of [0, BIG_CASE_ALERTS]) {
      it(`lists a case's runs and tasks, and its timeline: the case, its run's task and response actions, newest first (${padding + 1} alerts)`, async () => {
        const blockedIp = padding === 0 ? '198.51.100.91' : '198.51.100.93';
        const { caseId, alertId } = await newCase({ rule: 9101, destIp: blockedIp });
        const other = await newCase({
          rule: 9101,
          destIp: padding === 0 ? '198.51.100.92' : '198.51.100.94',
        });
        if (padding > 0) {
          // Alerts of another rule sharing the case's domain: they join the case, which grows big.
          const domain = (await get(`/api/v1/cases/${caseId}`)).observables.find(
            (o: { type: string }) => o.type === 'domain',
          ).value;
          const res = await h.app.inject({
            method: 'POST',
            url: '/api/v1/sources/ids/alerts',
            payload: JSON.stringify(
              Array.from({ length: padding }, (_, i) =>
                eveAlert({
                  sid: 9199,
                  srcIp: `10.62.${i >> 8}.${i & 255}`,
                  destIp: '203.0.113.62',
                  hostname: domain,
                }),
              ),
            ),
            headers: { 'content-type': 'application/json', authorization: `Bearer ${source}` },
          });
          assert.equal(res.statusCode, 202, res.body);
          await h.riposte.grouping.drain();
          assert.equal((await get(`/api/v1/cases/${caseId}`)).alertCount, padding + 1);
        }
        const runs = await until(
          () => get(`/api/v1/runs?caseId=${caseId}`),
          (page) => page.items.length === 1,
          "the alert's run under its case",
        );
        assert.equal(runs.items[0].alertId, alertId);
        const tasks = await until(
          () => get(`/api/v1/tasks?caseId=${caseId}&mine=false`),
          (page) => page.items.length === 1,
          "the case's task",
        );
        assert.equal(tasks.items[0].runId, runs.items[0].id);
        const otherTasks = await until(
          () => get(`/api/v1/tasks?caseId=${other.caseId}&mine=false`),
          (page) => page.items.length === 1,
          "the other case's task",
        );
        assert.notEqual(otherTasks.items[0].id, tasks.items[0].id);

        await patch(caseId, { assignee: 'alice', severity: 'critical' });
        await h.as('analyst', {
          method: 'POST',
          url: `/api/v1/cases/${caseId}/comments`,
          payload: { body: 'on it' },
        });
        const answer = await h.as('analyst', {
          method: 'POST',
          url: `/api/v1/tasks/${tasks.items[0].id}/answer`,
          payload: { choice: 'block' },
        });
        assert.equal(answer.statusCode, 200, answer.body);
        await until(
          async () => target.state.blocked.has(blockedIp),
          (v) => v,
          'the block',
        );
        const actions = await until(
          () => get(`/api/v1/cases/${caseId}/actions`),
          (page) => page.items.length === 1,
          'the ledger entry',
        );
        assert.equal(actions.items[0].status, 'applied');
        const rollback = await h.as('analyst', { method: 'POST', url: `/api/v1/cases/${caseId}/rollback` });
        assert.equal(rollback.statusCode, 200, rollback.body);
        assert.equal(rollback.json().items[0].outcome, 'undone');
        // The same address blocked again by a run of no case: not this case's history.
        const manual = await h.as('analyst', {
          method: 'POST',
          url: '/api/v1/runs',
          payload: { playbookId: 'block_one', inputs: { ip: blockedIp } },
        });
        assert.equal(manual.statusCode, 201, manual.body);
        await until(
          async () => target.state.blocked.has(blockedIp),
          (v) => v,
          'the second block',
        );
        await until(
          async () =>
            (
              await h.riposte.database.db
                .selectFrom('audit_log')
                .select('seq')
                .where('action', '=', 'response.applied')
                .where('target_id', '=', blockedIp)
                .execute()
            ).length,
          (n) => n === 2,
          'the second response.applied row',
        );
        await get(`/api/v1/cases/${caseId}`); // a view: not on the timeline

        const timeline = await get(`/api/v1/cases/${caseId}/timeline?limit=100`);
        const actionsSeen = timeline.items.map((r: { action: string }) => r.action);
        assert.deepEqual(actionsSeen, [
          'case.rollback',
          'response.rolled_back',
          'response.applied',
          'task.answered',
          'case.comment',
          'case.update',
          'case.create',
        ]);
        const seqs = timeline.items.map((r: { seq: number }) => r.seq);
        assert.deepEqual(
          seqs,
          [...seqs].sort((a, b) => b - a),
        );
        const otherTimeline = await get(`/api/v1/cases/${other.caseId}/timeline`);
        assert.ok(!otherTimeline.items.some((r: { action: string }) => r.action.startsWith('response.')));

        // Pages of two continue where the last ended.
        const pages: number[] = [];
        let cursor: string | null = null;
        do {
          const page: { items: { seq: number }[]; nextCursor: string | null } = await get(
            `/api/v1/cases/${caseId}/timeline?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          );
          pages.push(...page.items.map((r) => r.seq));
          cursor = page.nextCursor;
        } while (cursor);
        assert.deepEqual(pages, seqs);
        assert.equal(
          (await h.as('viewer', { method: 'GET', url: '/api/v1/cases/case_nope/timeline' })).statusCode,
          404,
        );
      });
    }

    const merge = (caseId: string, payload: unknown, role: 'analyst' | 'viewer' = 'analyst') =>
      h.as(role, { method: 'POST', url: `/api/v1/cases/${caseId}/merge`, payload: payload as object });

    it('merges a case into another: its alerts, observables, comments, tags, run, task and response action move, and it is closed as a duplicate', async () => {
      const blockedIp = '198.51.100.97';
      const from = await newCase({ rule: 9101, destIp: blockedIp, severity: 1 });
      const into = await newCase({ destIp: '198.51.100.98', severity: 3 });
      const fromDetail = await get(`/api/v1/cases/${from.caseId}`);
      const task = await until(
        () => get(`/api/v1/tasks?caseId=${from.caseId}&mine=false`),
        (page) => page.items.length === 1,
        "the case's task",
      );
      const answer = await h.as('analyst', {
        method: 'POST',
        url: `/api/v1/tasks/${task.items[0].id}/answer`,
        payload: { choice: 'block' },
      });
      assert.equal(answer.statusCode, 200, answer.body);
      await until(
        () => get(`/api/v1/cases/${from.caseId}/actions`),
        (page) => page.items.length === 1,
        'the ledger entry',
      );
      await until(
        () => get(`/api/v1/runs?caseId=${from.caseId}`),
        (page) => page.items.length === 1 && page.items[0].status === 'succeeded',
        'the run to finish',
      );
      await h.as('analyst', {
        method: 'POST',
        url: `/api/v1/cases/${from.caseId}/comments`,
        payload: { body: 'same actor as the other one' },
      });
      await patch(from.caseId, { tags: ['phishing', 'shared'] });
      await patch(into.caseId, { tags: ['shared'], assignee: 'bob' });
      const before = await get(`/api/v1/cases/${into.caseId}`);
      assert.equal(before.severity, 'low');

      const res = await merge(from.caseId, { into: into.caseId });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.deepEqual(
        { ...body.moved, observables: body.moved.observables > 0 },
        { alerts: 1, comments: 1, runs: 1, tasks: 1, actions: 1, tags: 1, observables: true },
      );
      assert.equal(body.case.id, into.caseId);
      assert.equal(body.merged.mergedInto, into.caseId);

      const kept = await get(`/api/v1/cases/${into.caseId}`);
      assert.equal(kept.alertCount, 2);
      assert.deepEqual(
        kept.alerts.map((a: { id: string }) => a.id).sort(),
        [from.alertId, into.alertId].sort(),
      );
      assert.equal(kept.severity, 'high', "the severity rises to the merged case's");
      assert.equal(kept.assignee, 'bob');
      assert.deepEqual(kept.tags, ['phishing', 'shared']);
      assert.ok(kept.comments.some((c: { body: string }) => c.body === 'same actor as the other one'));
      const keptValues = new Set(kept.observables.map((o: { value: string }) => o.value));
      for (const o of fromDetail.observables)
        assert.ok(keptValues.has(o.value), `${o.type} ${o.value} moved`);
      assert.deepEqual(
        kept.mergedCases.map((c: { id: string }) => c.id),
        [from.caseId],
      );
      assert.equal((await get(`/api/v1/runs?caseId=${into.caseId}`)).items.length, 1);
      assert.equal((await get(`/api/v1/tasks?caseId=${into.caseId}&mine=false`)).items.length, 1);
      assert.equal((await get(`/api/v1/cases/${into.caseId}/actions`)).items.length, 1);
      assert.equal((await get(`/api/v1/alerts/${from.alertId}`)).caseId, into.caseId);
      // Searching for the merged case's observable finds the case that holds it now.
      const found = await get(`/api/v1/cases?status=open&q=${encodeURIComponent(blockedIp)}`);
      assert.deepEqual(
        found.items.map((c: { id: string }) => c.id),
        [into.caseId],
      );
      const keptTimeline = await get(`/api/v1/cases/${into.caseId}/timeline?limit=500`);
      const mergeIn = keptTimeline.items.find((r: { action: string }) => r.action === 'case.merge_in');
      assert.equal(mergeIn.details.from, from.caseId);

      const closed = await get(`/api/v1/cases/${from.caseId}`);
      assert.equal(closed.status, 'closed');
      assert.equal(closed.resolution, 'duplicate');
      assert.equal(closed.resolutionNote, `Merged into ${into.caseId}`);
      assert.equal(closed.mergedInto, into.caseId);
      assert.equal(closed.alertCount, 0);
      assert.deepEqual(closed.alerts, []);
      assert.deepEqual(closed.comments, []);
      assert.ok(closed.timeline.some((r: { action: string }) => r.action === 'case.merge'));
      assert.equal((await get(`/api/v1/runs?caseId=${from.caseId}`)).items.length, 0);
      // The duplicate is counted in the rule's history.
      const stats = await h.riposte.database.db
        .selectFrom('rule_stats')
        .select('duplicate')
        .where('rule_key', '=', 'ids:9101')
        .executeTakeFirst();
      assert.ok(Number(stats?.duplicate) >= 1);
      const verify = await h.as('admin', { method: 'GET', url: '/api/v1/audit/verify' });
      assert.equal(verify.json().ok, true, verify.body);

      // An alert about the merged case's domain, seen again, joins the case that took it.
      const domain = fromDetail.observables.find((o: { type: string }) => o.type === 'domain').value;
      const again = await h.app.inject({
        method: 'POST',
        url: '/api/v1/sources/ids/alerts',
        payload: JSON.stringify(
          eveAlert({ sid: 9177, srcIp: '10.63.0.1', destIp: '203.0.113.63', hostname: domain }),
        ),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${source}` },
      });
      assert.equal(again.statusCode, 202, again.body);
      await h.riposte.grouping.drain();
      assert.equal((await get(`/api/v1/alerts/${again.json().alertIds[0]}`)).caseId, into.caseId);

      // Reopened, the merged case is a case of its own again.
      const reopened = await patch(from.caseId, { status: 'open' });
      assert.equal(reopened.mergedInto, null);
      assert.equal(reopened.alertCount, 0);
    });

    it('refuses a merge with a precise error, and changes nothing', async () => {
      const a = await newCase();
      const b = await newCase();
      const shut = await newCase();
      await patch(shut.caseId, { status: 'closed', resolution: 'false_positive' });
      const refused = async (
        caseId: string,
        payload: unknown,
        status: number,
        code: string,
        path?: string,
      ) => {
        const res = await merge(caseId, payload);
        assert.equal(res.statusCode, status, res.body);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
        assert.equal(res.json().code, code, res.body);
        if (path) assert.equal(res.json().path, path, res.body);
        return res.json();
      };
      await refused(a.caseId, { into: a.caseId }, 400, 'validation_failed', '/into');
      await refused(a.caseId, {}, 400, 'validation_failed', '/into');
      await refused(a.caseId, { into: 42 }, 400, 'validation_failed', '/into');
      await refused(a.caseId, { into: b.caseId, also: 1 }, 400, 'validation_failed', '/also');
      await refused(a.caseId, { into: b.caseId, note: 7 }, 400, 'validation_failed', '/note');
      await refused(a.caseId, [b.caseId], 400, 'validation_failed');
      const unknown = await refused(a.caseId, { into: 'case_nope' }, 400, 'validation_failed', '/into');
      assert.match(unknown.detail, /case_nope/);
      await refused('case_nope', { into: b.caseId }, 404, 'not_found');
      const closed = await refused(a.caseId, { into: shut.caseId }, 409, 'invalid_state');
      assert.match(closed.detail, new RegExp(shut.caseId));
      await refused(shut.caseId, { into: a.caseId }, 409, 'invalid_state');
      assert.equal((await merge(a.caseId, { into: b.caseId }, 'viewer')).statusCode, 403);
      for (const id of [a.caseId, b.caseId]) {
        const c = await get(`/api/v1/cases/${id}`);
        assert.equal(c.status, 'open');
        assert.equal(c.alertCount, 1);
        assert.equal(c.mergedInto, null);
      }

      // Merged once, a case cannot be merged again (it is closed), and its note is the one given.
      const ok = await merge(a.caseId, { into: b.caseId, note: 'the same scan' });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().merged.resolutionNote, 'the same scan');
      const twice = await refused(a.caseId, { into: b.caseId }, 409, 'invalid_state');
      assert.match(twice.detail, new RegExp(`merged into ${b.caseId}`));
    });
  });
}
