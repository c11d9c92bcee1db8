import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const ACTOR = { id: 't', type: 'system' as const };

/** Only built-in actions: core.echo reads, riposte.add_case_comment writes. */
const NOTE = `id: triage_note
name: Triage note
triggers:
  manual: true
steps:
  - id: look
    uses: core.echo
    with:
      title: \${{ alert.title }}
  - id: high
    if: \${{ alert.severity == "high" }}
    then: note
    else: done
  - id: note
    uses: riposte.add_case_comment
    with:
      case_id: \${{ alert.caseId }}
      body: 'High: \${{ alert.title }}'
  - id: done
    end: true
`;

const TESTS = `playbook: ./triage-note.yaml
cases:
  - name: a high alert gets a note
    alert: { title: Scan, severity: high, caseId: case_1 }
    mocks:
      look: { output: { title: Scan } }
    expect:
      status: succeeded
      path: [look, high, note, done]
      actions:
        - { action: riposte.add_case_comment, step: note, with: { body: 'High: Scan' } }
  - name: a low alert is left alone
    alert: { title: Ping, severity: low, caseId: case_1 }
    unmocked_is_echo_here: false
`;

/** The second case above has a misspelt key on line 14 and no expect; the valid file has neither problem. */
const VALID_TESTS = TESTS.replace(
  '    unmocked_is_echo_here: false\n',
  '    mocks:\n      look: { output: {} }\n    expect:\n      status: succeeded\n      path: [look, high, done]\n      actions: []\n',
);

for (const kind of databaseKinds()) {
  describe(`playbook golden tests, dry runs and run filters through the API on ${kind}`, () => {
    let h: Harness;
    let sourceToken: string;
    let alertId: string;

    before(async () => {
      h = await startHarness(kind, {}, { worker: true });
      sourceToken = (await h.riposte.sources.create({ name: 'ids', format: 'suricata' }, ACTOR)).token;
      const saved = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks',
        payload: { source: NOTE },
      });
      assert.equal(saved.statusCode, 201, saved.body);
      const res = await h.app.inject({
        method: 'POST',
        url: '/api/v1/sources/ids/alerts',
        payload: JSON.stringify([eveAlert({ severity: 1 })]),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${sourceToken}` },
      });
      assert.equal(res.statusCode, 202, res.body);
      alertId = (res.json().alertIds as string[])[0]!;
      // The grouping stage gives the alert its case a moment after the ingest commit.
      for (;;) {
        const alert = (await h.as('viewer', { method: 'GET', url: `/api/v1/alerts/${alertId}` })).json();
        if (alert.caseId) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    after(() => h.close());

    it('refuses a test file it cannot read with each problem at its line and column, and stores nothing', async () => {
      const res = await h.as('analyst', {
        method: 'PUT',
        url: '/api/v1/playbooks/triage_note/tests',
        payload: { source: TESTS },
      });
      assert.equal(res.statusCode, 400, res.body);
      const errors = res.json().errors as { file: string; line: number; column: number; message: string }[];
      const unknown = errors.find((e) => /unmocked_is_echo_here/.test(e.message));
      assert.ok(unknown, JSON.stringify(errors));
      assert.equal(unknown.line, 14);
      assert.equal(unknown.column, 5);
      assert.equal(unknown.file, 'triage_note.test.yaml');
      assert.ok(
        errors.some((e) => /expect/.test(e.message)),
        `the missing expect is reported too: ${JSON.stringify(errors)}`,
      );
      const noStatus = await h.as('analyst', {
        method: 'PUT',
        url: '/api/v1/playbooks/triage_note/tests',
        payload: { source: VALID_TESTS.replace('      status: succeeded\n', '') },
      });
      assert.equal(noStatus.statusCode, 400, noStatus.body);
      assert.ok(
        (noStatus.json().errors as { line: number; message: string }[]).some(
          (e) => e.line === 8 && /missing the required key "status"/.test(e.message),
        ),
        noStatus.body,
      );
      const stored = await h.as('viewer', { method: 'GET', url: '/api/v1/playbooks/triage_note/tests' });
      assert.equal(stored.statusCode, 200);
      assert.equal(stored.json().source, null);
    });

    it('answers 404 for the tests of a playbook that does not exist', async () => {
      for (const request of [
        { method: 'GET' as const, url: '/api/v1/playbooks/no_such/tests' },
        { method: 'PUT' as const, url: '/api/v1/playbooks/no_such/tests', payload: { source: VALID_TESTS } },
        { method: 'POST' as const, url: '/api/v1/playbooks/no_such/tests/run', payload: {} },
        { method: 'POST' as const, url: '/api/v1/playbooks/no_such/dry-run', payload: { alertId } },
      ]) {
        const res = await h.as('analyst', request);
        assert.equal(res.statusCode, 404, `${request.method} ${request.url}: ${res.body}`);
        assert.equal(res.json().code, 'not_found');
      }
    });

    it('stores the test file (audited) and runs it: every case passes without running any action', async () => {
      const before = await h.as('viewer', { method: 'GET', url: '/api/v1/runs?playbookId=triage_note' });
      const put = await h.as('analyst', {
        method: 'PUT',
        url: '/api/v1/playbooks/triage_note/tests',
        payload: { source: VALID_TESTS },
      });
      assert.equal(put.statusCode, 200, put.body);
      const got = (
        await h.as('viewer', { method: 'GET', url: '/api/v1/playbooks/triage_note/tests' })
      ).json();
      assert.equal(got.source, VALID_TESTS);
      assert.match(got.updatedBy, /analyst/);
      const audit = await h.as('admin', { method: 'GET', url: '/api/v1/audit?action=playbook.tests.save' });
      assert.ok(
        (audit.json().items as { action: string; targetId: string }[]).some(
          (e) => e.action === 'playbook.tests.save' && e.targetId === 'triage_note',
        ),
        audit.body,
      );
      const run = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks/triage_note/tests/run',
        payload: {},
      });
      assert.equal(run.statusCode, 200, run.body);
      const report = run.json();
      assert.equal(report.ok, true, run.body);
      assert.equal(report.passed, 2);
      assert.equal(report.failed, 0);
      assert.deepEqual(
        (report.cases as { name: string }[]).map((c) => c.name),
        ['a high alert gets a note', 'a low alert is left alone'],
      );
      const afterRuns = await h.as('viewer', { method: 'GET', url: '/api/v1/runs?playbookId=triage_note' });
      assert.deepEqual(afterRuns.json().items, before.json().items, 'running tests stores no run');
    });

    it('runs tests against unsaved source and reports what differs', async () => {
      const changed = NOTE.replace('then: note', 'then: done');
      const res = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks/triage_note/tests/run',
        payload: { source: changed },
      });
      assert.equal(res.statusCode, 200, res.body);
      const report = res.json();
      assert.equal(report.ok, false);
      assert.equal(report.passed, 1);
      const failing = (report.cases as { name: string; ok: boolean; failures: string[] }[]).find(
        (c) => !c.ok,
      )!;
      assert.equal(failing.name, 'a high alert gets a note');
      assert.ok(
        failing.failures.some((f) => /expected path: look → high → note → done/.test(f)),
        failing.failures.join('\n'),
      );
      const current = (await h.as('viewer', { method: 'GET', url: '/api/v1/playbooks/triage_note' })).json();
      assert.equal(current.version, 1, 'testing unsaved source saves nothing');
    });

    it('reports a test file sent with the run that names a missing step, or reads a file, at its line', async () => {
      const bad = VALID_TESTS.replace('path: [look, high, done]', 'path: [look, hihg, done]').replace(
        '    alert: { title: Scan, severity: high, caseId: case_1 }\n',
        '    alert_file: /etc/passwd\n',
      );
      const res = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks/triage_note/tests/run',
        payload: { tests: bad },
      });
      assert.equal(res.statusCode, 200, res.body);
      const report = res.json();
      assert.equal(report.ok, false);
      assert.deepEqual(report.cases, [], 'no case of an invalid file runs');
      const errors = report.errors as { line: number; message: string }[];
      assert.ok(
        errors.some((e) => /no step "hihg" \(did you mean "high"\?\)/.test(e.message) && e.line === 18),
        JSON.stringify(errors),
      );
      assert.ok(
        errors.some((e) => /read no files/.test(e.message) && e.line === 4),
        JSON.stringify(errors),
      );
      assert.ok(!JSON.stringify(report).includes('root:'), 'no file of the server is read');
    });

    it('refuses to run when no tests are stored or sent, and a bad body', async () => {
      const other = NOTE.replace('id: triage_note', 'id: other_note');
      await h.as('analyst', { method: 'POST', url: '/api/v1/playbooks', payload: { source: other } });
      const none = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks/other_note/tests/run',
        payload: {},
      });
      assert.equal(none.statusCode, 400, none.body);
      assert.match(none.json().detail, /no golden tests are stored/);
      const empty = await h.as('analyst', {
        method: 'PUT',
        url: '/api/v1/playbooks/other_note/tests',
        payload: { source: '  ' },
      });
      assert.equal(empty.statusCode, 400, empty.body);
      assert.equal(empty.json().path, '/source');
    });

    it('dry-runs the saved playbook on an alert: a stored dry run whose write is intercepted', async () => {
      const res = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks/triage_note/dry-run',
        payload: { alertId },
      });
      assert.equal(res.statusCode, 200, res.body);
      const report = res.json();
      assert.equal(report.mode, 'run');
      assert.equal(report.status, 'succeeded');
      assert.equal(report.version, 1);
      assert.deepEqual(
        (report.steps as { key: string }[]).map((s) => s.key),
        ['look', 'high', 'note', 'done'],
      );
      assert.equal(report.wouldHaveDone.length, 1);
      assert.equal(report.wouldHaveDone[0].action, 'riposte.add_case_comment');
      assert.match(report.wouldHaveDone[0].input.body, /^High: /);
      const run = (await h.as('viewer', { method: 'GET', url: `/api/v1/runs/${report.runId}` })).json();
      assert.equal(run.dryRun, true);
      const alert = (await h.as('viewer', { method: 'GET', url: `/api/v1/alerts/${alertId}` })).json();
      const kase = (await h.as('viewer', { method: 'GET', url: `/api/v1/cases/${alert.caseId}` })).json();
      assert.ok(Array.isArray(kase.comments), JSON.stringify(kase));
      assert.equal(
        (kase.comments as { body: string }[]).some((c) => c.body.startsWith('High: ')),
        false,
        'the comment was not written',
      );
    });

    it('dry-runs unsaved source as a simulation that stores nothing', async () => {
      const runs = async () =>
        (await h.as('viewer', { method: 'GET', url: '/api/v1/runs?playbookId=triage_note' })).json().items
          .length as number;
      const count = await runs();
      const res = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks/triage_note/dry-run',
        payload: { alertId, source: NOTE.replace("body: 'High: ", "body: 'Unsaved: ") },
      });
      assert.equal(res.statusCode, 200, res.body);
      const report = res.json();
      assert.equal(report.mode, 'simulation');
      assert.equal(report.runId, null);
      assert.equal(report.status, 'succeeded');
      assert.match(report.wouldHaveDone[0].input.body, /^Unsaved: /);
      assert.equal(await runs(), count);
    });

    it('refuses a dry run on an unknown alert, or of invalid source, precisely', async () => {
      const noAlert = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks/triage_note/dry-run',
        payload: { alertId: 'alert_nope', source: NOTE },
      });
      assert.equal(noAlert.statusCode, 400, noAlert.body);
      assert.equal(noAlert.json().path, '/alertId');
      const invalid = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/playbooks/triage_note/dry-run',
        payload: { alertId, source: NOTE.replace('uses: core.echo', 'uses: core.echoo') },
      });
      assert.equal(invalid.statusCode, 422, invalid.body);
      assert.ok(
        (invalid.json().errors as { line: number; message: string }[]).some(
          (e) => e.line === 7 && /core\.echoo/.test(e.message),
        ),
        invalid.body,
      );
      const viewer = await h.as('viewer', {
        method: 'POST',
        url: '/api/v1/playbooks/triage_note/dry-run',
        payload: { alertId },
      });
      assert.equal(viewer.statusCode, 403);
    });

    it("lists a playbook's runs with the playbook filter, and the last runs' outcomes per playbook", async () => {
      const started = await h.as('analyst', {
        method: 'POST',
        url: '/api/v1/runs',
        payload: { playbookId: 'other_note', alertId },
      });
      assert.equal(started.statusCode, 201, started.body);
      await h.riposte.runs.settle(started.json().id, 5000);
      const mine = (
        await h.as('viewer', { method: 'GET', url: '/api/v1/runs?playbookId=triage_note' })
      ).json();
      assert.ok(mine.items.length >= 1);
      assert.ok((mine.items as { playbookId: string }[]).every((r) => r.playbookId === 'triage_note'));
      const other = (
        await h.as('viewer', { method: 'GET', url: '/api/v1/runs?playbookId=other_note' })
      ).json();
      assert.deepEqual(
        (other.items as { id: string }[]).map((r) => r.id),
        [started.json().id],
      );
      const outcomes = (
        await h.as('viewer', { method: 'GET', url: '/api/v1/playbooks/run-outcomes' })
      ).json();
      const byId = new Map(
        (outcomes.items as { playbookId: string; counts: Record<string, number> }[]).map((o) => [
          o.playbookId,
          o,
        ]),
      );
      assert.deepEqual(byId.get('other_note')?.counts, { succeeded: 1 });
      assert.deepEqual(byId.get('triage_note')?.counts, {}, 'dry runs are left out');
      if (kind === 'sqlite') {
        // Both the filter and the outcomes walk the (playbook_id, id) index, with no sort of their own.
        for (const query of [
          sql`EXPLAIN QUERY PLAN SELECT * FROM runs WHERE playbook_id = 'x' AND id < 'run_z' ORDER BY id DESC LIMIT 51`,
          sql`EXPLAIN QUERY PLAN SELECT status FROM runs WHERE playbook_id = 'x' AND dry_run = 0 ORDER BY id DESC LIMIT 20`,
        ]) {
          const plan = JSON.stringify((await query.execute(h.riposte.database.db)).rows);
          assert.match(plan, /USING INDEX runs_playbook/);
          assert.doesNotMatch(plan, /TEMP B-TREE/);
        }
      }
    });
  });
}
