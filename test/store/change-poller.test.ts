import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { idFloor } from '../../src/core/ids.ts';
import { ChangePoller } from '../../src/live/change-poller.ts';
import type { LiveEvent } from '../../src/live/live-event.ts';
import { LiveFeed } from '../../src/live/live-feed.ts';
import { databaseKinds, useMigratedDatabase } from '../support/test-databases.ts';

const T0 = Date.parse('2026-11-30T12:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
let n = 0;
const id = (prefix: string, ms: number) =>
  idFloor(prefix, T0 + ms).slice(0, -3) + String(n++).padStart(3, '0');

/**
 * The poller is how an API process hears what another process (a worker, another API process, the
 * CLI) committed: rows are written here as another process would, and the poller is ticked by hand
 * with its own clock.
 */
for (const kind of databaseKinds()) {
  describe(`live change poller on ${kind}`, () => {
    const suite = useMigratedDatabase(kind);

    const runRow = (runId: string, status: string, updated: number) => ({
      id: runId,
      playbook_id: 'triage',
      playbook_version: 1,
      status,
      trigger: '{}',
      alert_id: null,
      case_id: 'case_remote',
      parent_run_id: null,
      parent_step_key: null,
      started_by: 'system',
      dry_run: 0,
      state: '{}',
      seq: 1,
      wake_at: null,
      error_kind: null,
      started_at: at(0),
      finished_at: null,
      updated_at: at(updated),
    });
    const caseRow = (caseId: string, updated: number) => ({
      id: caseId,
      title: caseId,
      description: null,
      status: 'open',
      severity: 'high',
      severity_id: 4,
      priority: 50,
      priority_factors: '[]',
      assignee: null,
      tags: '[]',
      resolution: null,
      resolution_note: null,
      alert_count: 1,
      rule_key: null,
      host: null,
      asset_type: null,
      asset_value: null,
      asset_criticality: null,
      search_values: 0,
      intel_matches: 0,
      intel_sources: '[]',
      intel_confidence: null,
      intel_observables: '[]',
      created_at: at(0),
      updated_at: at(updated),
      closed_at: null,
      last_alert_at: at(0),
    });

    it('tells alerts, cases, runs, tasks and response actions another process committed, once each', async () => {
      const db = suite.database.db;
      let now = T0;
      const feed = new LiveFeed({ now: () => now });
      const heard: string[] = [];
      const label = (e: LiveEvent) =>
        e.type === 'run.changed' || e.type === 'task.changed'
          ? `${e.type}:${e.id}:${e.status}`
          : e.type === 'response.changed'
            ? `${e.type}:${e.runId}`
            : `${e.type}:${e.id}`;
      const poller = new ChangePoller({
        db,
        feed,
        everyMs: 3_600_000,
        now: () => now,
        onError: (error) => {
          throw error;
        },
      });
      const detach = poller.attach();
      const off = feed.subscribe((e) => heard.push(label(e)));
      try {
        const alertId = id('alert_', 300);
        await db
          .insertInto('alerts')
          .values({
            id: alertId,
            source: 'ids',
            format: 'suricata',
            source_ref: null,
            fingerprint: 'f1',
            title: 'Port scan',
            description: null,
            severity: 'high',
            severity_id: 4,
            category: 'scan',
            rule_id: '1',
            rule_name: null,
            event_time: at(300),
            first_seen: at(300),
            last_seen: at(300),
            count: 1,
            case_id: 'case_remote',
            status: 'new',
            observables: '[]',
            mitre: '[]',
            raw: '{}',
            created_at: at(300),
          })
          .execute();
        await db.insertInto('cases').values(caseRow('case_remote', 200)).execute();
        await db
          .insertInto('runs')
          .values(runRow('run_long', 'waiting', 500))
          .execute();
        await db
          .insertInto('tasks')
          .values({
            id: id('task_', 400),
            run_id: 'run_long',
            step_key: 'ask',
            kind: 'approval',
            status: 'open',
            title: 'Block?',
            description: null,
            spec: '{}',
            assignee_role: 'analyst',
            assignee_user: null,
            playbook_id: 'triage',
            run_started_by: 'system',
            alert_id: null,
            case_id: 'case_remote',
            decisions: '[]',
            outcome: null,
            output: null,
            escalated: 0,
            created_at: at(400),
            expires_at: null,
            remind_at: null,
            completed_at: null,
          })
          .execute();
        now = T0 + 2_000;
        await poller.tick();
        assert.deepEqual(heard.sort(), [
          `alert.created:${alertId}`,
          'case.changed:case_remote',
          'run.changed:run_long:waiting',
          `task.changed:${(await db.selectFrom('tasks').select('id').executeTakeFirstOrThrow()).id}:open`,
        ]);
        heard.length = 0;

        // The waiting run finishes, a short run starts and finishes between two looks (both found
        // by runs.updated_at), the approval is decided and a response action is undone.
        await db
          .updateTable('runs')
          .set({ status: 'succeeded', updated_at: at(2_500) })
          .execute();
        await db
          .insertInto('runs')
          .values({ ...runRow(id('run_', 2_200), 'failed', 2_600) })
          .execute();
        await db
          .updateTable('tasks')
          .set({ status: 'completed', completed_at: at(2_700) })
          .execute();
        await db
          .insertInto('action_ledger')
          .values({
            id: id('act_', 1_000),
            idempotency_key: 'k1',
            run_id: 'run_long',
            step_key: 'block',
            playbook_id: 'triage',
            case_id: 'case_remote',
            alert_id: null,
            action: 'edl.add_entry',
            effect: 'write',
            react: null,
            target_type: 'ipv4',
            target_value: '10.0.0.1',
            input: '{}',
            output: '{}',
            inverse_action: null,
            inverse_input: null,
            status: 'rolled_back',
            applied_at: at(-60_000),
            expires_at: null,
            undone_at: at(2_800),
            undone_by: 'alice',
            undo_error: null,
          })
          .execute();
        now = T0 + 4_000;
        await poller.tick();
        const short = (
          await db.selectFrom('runs').select('id').where('status', '=', 'failed').executeTakeFirstOrThrow()
        ).id;
        const taskId = (await db.selectFrom('tasks').select('id').executeTakeFirstOrThrow()).id;
        assert.deepEqual(
          heard.sort(),
          [
            'response.changed:run_long',
            'run.changed:run_long:succeeded',
            `run.changed:${short}:failed`,
            `task.changed:${taskId}:completed`,
          ].sort(),
        );
        heard.length = 0;

        // What this process published after the row changed is not told again; what changed after
        // this process's publication is.
        await db.insertInto('cases').values(caseRow('case_local', 4_200)).execute();
        await db.insertInto('cases').values(caseRow('case_later', 4_500)).execute();
        now = T0 + 4_300;
        feed.publish({ type: 'case.changed', id: 'case_local' });
        feed.publish({ type: 'case.changed', id: 'case_later' });
        heard.length = 0;
        now = T0 + 6_000;
        await poller.tick();
        assert.deepEqual(heard, ['case.changed:case_later']);
        now = T0 + 7_000;
        heard.length = 0;
        await poller.tick();
        assert.deepEqual(heard, [], 'a later look does not repeat what it told');
      } finally {
        off();
        detach();
        await poller.close();
      }
    });
  });
}
