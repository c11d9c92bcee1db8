import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clockCorrectionMs, correctClock } from '../../src/core/clock.ts';
import { openTaskOf, startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const TEN_MINUTES = 600_000;
const HOUR = 3_600_000;

const WAIT_THEN_APPROVE = `
id: wait_then_approve
name: Waits two seconds, then asks
triggers: { manual: true }
steps:
  - id: pause
    wait: { delay: 2s }
  - id: agree
    approval:
      title: Go ahead?
      approvers: { role: manager }
      expires_in: 1h
`;

/**
 * A server whose clock is ten minutes slow: what it writes and compares — a run's times and timer, an
 * approval's expiry, the audit log's times — is in the database's time (docs/runs.md#time), so another
 * process on a right clock would fire, expire and order them as it does.
 */
for (const kind of databaseKinds()) {
  describe(`a server ten minutes slow on ${kind}`, () => {
    it('records, schedules and fires in the database’s time', async () => {
      const realNow = Date.now.bind(Date);
      const near = (iso: string | null | undefined, expected: number, what: string, within = 5_000) => {
        assert.ok(iso, `${what} is set`);
        const off = Date.parse(iso) - expected;
        assert.ok(Math.abs(off) < within, `${what} is ${off} ms off the database's time`);
      };
      Date.now = () => realNow() - TEN_MINUTES;
      let h: Harness | undefined;
      try {
        h = await startHarness(kind, {}, { worker: true });
        assert.ok(
          Math.abs(clockCorrectionMs() - TEN_MINUTES) < 1_000,
          `the process corrected its time by ${clockCorrectionMs()} ms`,
        );
        const saved = await h.as('analyst', {
          method: 'POST',
          url: '/api/v1/playbooks',
          payload: { source: WAIT_THEN_APPROVE },
        });
        assert.equal(saved.statusCode, 201, saved.body);
        const playbook = await h.riposte.database.db
          .selectFrom('playbooks')
          .select('created_at')
          .where('id', '=', 'wait_then_approve')
          .executeTakeFirstOrThrow();
        near(playbook.created_at, realNow(), 'the playbook’s creation');

        const startedAt = realNow();
        const started = await h.as('analyst', {
          method: 'POST',
          url: '/api/v1/runs',
          payload: { playbookId: 'wait_then_approve' },
        });
        assert.equal(started.statusCode, 201, started.body);
        const runId = started.json().id as string;
        const row = async () =>
          h!.riposte.database.db
            .selectFrom('runs')
            .select(['started_at', 'updated_at', 'wake_at', 'status'])
            .where('id', '=', runId)
            .executeTakeFirstOrThrow();
        let first = await row();
        for (let i = 0; i < 100 && first.wake_at === null; i++) {
          await new Promise((r) => setTimeout(r, 10));
          first = await row();
        }
        near(first.updated_at, startedAt, 'the run’s last change');
        near(first.started_at, startedAt, 'the run’s start');
        near(first.wake_at, startedAt + 2_000, 'the wait’s timer', 1_000);

        const taskId = await openTaskOf(h.riposte, runId);
        const opened = realNow();
        assert.ok(opened - startedAt >= 1_900, `the two-second wait ended after ${opened - startedAt} ms`);
        const task = await h.riposte.database.db
          .selectFrom('tasks')
          .select(['created_at', 'expires_at'])
          .where('id', '=', taskId)
          .executeTakeFirstOrThrow();
        near(task.created_at, opened, 'the approval’s creation');
        near(task.expires_at, opened + HOUR, 'the approval’s expiry');

        const audit = await h.riposte.database.db
          .selectFrom('audit_log')
          .select('at')
          .orderBy('seq', 'desc')
          .limit(1)
          .executeTakeFirstOrThrow();
        near(audit.at, realNow(), 'the last audit row');
      } finally {
        Date.now = realNow;
        await h?.close();
        correctClock(0);
      }
    });
  });
}
