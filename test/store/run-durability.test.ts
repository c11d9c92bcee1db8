import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { openRiposte, type Riposte } from '../../src/riposte.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/test-databases.ts';

const ACTOR = { id: 't', type: 'system' as const };

/** Runs outlive the process: timers fire after a restart, and a worker process runs what an API process queued. */
for (const kind of databaseKinds()) {
  describe(`run durability on ${kind}`, () => {
    let db: TestDatabase;
    const open = (worker: boolean) =>
      openRiposte(loadConfig({}, { dataDir: db.dataDir, databaseUrl: db.url, logLevel: 'silent' })).then(
        async (r) => {
          if (worker) await r.startWorker();
          return r;
        },
      );
    before(async () => {
      db = await createTestDatabase(kind);
    });
    after(() => db.drop());

    it('a delay started before a restart fires after it, once', async () => {
      let riposte: Riposte = await open(true);
      await riposte.playbooks.save(
        `
id: delayed
name: Delayed
triggers: { manual: true }
steps:
  - id: pause
    wait: { delay: 1500ms }
  - id: after
    uses: core.echo
    with: { done: true }
`,
        ACTOR,
      );
      const run = await riposte.runs.start({ playbookId: 'delayed', startedBy: 'tester', actor: ACTOR });
      const waiting = await riposte.runs.settle(run.id, 2000);
      assert.equal(waiting.status, 'waiting');
      const startedAt = Date.now();
      await riposte.close();

      riposte = await open(true);
      try {
        const done = await riposte.runs.settle(run.id, 10_000, { untilTerminal: true });
        assert.equal(done.status, 'succeeded', JSON.stringify(done));
        assert.ok(Date.parse(done.finishedAt!) >= startedAt + 1000, 'the delay was kept');
        assert.equal(done.steps.filter((s) => s.stepId === 'after').length, 1);
      } finally {
        await riposte.close();
      }
    });

    it('an API process queues the run an alert triggers; a `riposte worker` process runs it', async () => {
      const api = await open(false);
      const worker = spawn(process.execPath, ['bin/riposte.js', 'worker'], {
        env: {
          ...process.env,
          RIPOSTE_DATA_DIR: db.dataDir,
          RIPOSTE_DATABASE_URL: db.url,
          RIPOSTE_LOG_LEVEL: 'silent',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      worker.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) => worker.on('exit', resolve));
      try {
        await api.playbooks.save(
          `
id: on_alert
name: On alert
triggers:
  alert: \${{ alert.rule.id == "5150" }}
steps:
  - id: note
    uses: core.echo
    with:
      title: \${{ alert.title }}
`,
          ACTOR,
        );
        await api.sources.create({ name: 'ids', format: 'suricata' }, ACTOR);
        const result = await api.ingest.ingest(
          await api.sources.get('ids'),
          JSON.stringify(eveAlert({ sid: 5150, srcIp: '10.51.50.1' })),
          'application/json',
          ACTOR,
        );
        const [alertId] = result.alertIds;
        const [queued] = (await api.runs.list({ alertId })).items;
        assert.ok(queued, 'the run was queued with the alert');
        assert.equal(queued.status, 'queued', 'the API process does not run playbooks');
        const done = await api.runs.settle(queued.id, 15_000, { untilTerminal: true });
        assert.equal(done.status, 'succeeded', `${JSON.stringify(done)}\n${stderr}`);
        assert.match(String((done.steps[0]!.output as { title: string }).title), /./);
      } finally {
        worker.kill('SIGTERM');
        const code = await exited;
        // Closed before the exit code is checked: a failed check must not leave the process held open.
        await api.close();
        assert.equal(code, 0, stderr);
      }
    });
  });
}
