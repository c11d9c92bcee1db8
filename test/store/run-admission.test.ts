import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { loadConfig } from '../../src/config.ts';
import { openRiposte, type Riposte } from '../../src/riposte.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/test-databases.ts';

const ACTOR = { id: 't', type: 'system' as const };
const BACKLOG = 3;
const ALERTS = 10;

const until = async (done: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/**
 * Admission without Redis: once `runBacklog` action attempts wait or run in the process, the runs
 * that triggers create stay queued in the database, and the worker starts them as the backlog drains —
 * none lost, none started past the limit.
 */
for (const kind of databaseKinds()) {
  describe(`run admission on ${kind}`, () => {
    let db: TestDatabase;
    let riposte: Riposte;
    const held = new Set<() => void>();
    let running = 0;
    let mostAtOnce = 0;

    before(async () => {
      db = await createTestDatabase(kind);
      riposte = await openRiposte(
        loadConfig(
          {},
          {
            dataDir: db.dataDir,
            databaseUrl: db.url,
            logLevel: 'silent',
            builtinPlaybooks: false,
            runBacklog: BACKLOG,
          },
        ),
      );
      riposte.actions.register({
        id: 'test.held',
        title: 'Held',
        description: 'Waits until the test lets it go.',
        effect: 'read',
        input: Type.Object({}),
        timeoutMs: 60_000,
        retry: null,
        run: async () => {
          running++;
          mostAtOnce = Math.max(mostAtOnce, running);
          await new Promise<void>((resolve) => held.add(resolve));
          running--;
          return {};
        },
      });
      await riposte.playbooks.save(
        `
id: admitted
name: Admitted
triggers:
  alert: \${{ alert.rule.id == "6060" }}
steps:
  - id: hold
    uses: test.held
`,
        ACTOR,
      );
      await riposte.startWorker();
      await riposte.sources.create({ name: 'ids', format: 'suricata' }, ACTOR);
    });
    after(async () => {
      for (const release of held) release();
      await riposte?.close();
      await db?.drop();
    });

    const statuses = async () => {
      const rows = await riposte.database.db
        .selectFrom('runs')
        .select(['status', (eb) => eb.fn.countAll().as('n')])
        .where('playbook_id', '=', 'admitted')
        .groupBy('status')
        .execute();
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    };

    it('leaves triggered runs queued past the backlog and starts them as it drains', async () => {
      for (let i = 0; i < ALERTS; i++)
        await riposte.ingest.ingest(
          await riposte.sources.get('ids'),
          JSON.stringify(eveAlert({ sid: 6060, srcIp: `10.60.60.${i + 1}` })),
          'application/json',
          ACTOR,
        );
      await until(async () => held.size === BACKLOG, 'the first runs to reach their action');
      // The worker's clock runs every second: give it two, and nothing more may start meanwhile.
      await new Promise((r) => setTimeout(r, 2_200));
      assert.equal(held.size, BACKLOG);
      assert.deepEqual(await statuses(), { queued: ALERTS - BACKLOG, running: BACKLOG });

      // Let every action go as it comes: the queued runs start as room frees, BACKLOG at most at once.
      const releasing = setInterval(() => {
        for (const release of held) release();
        held.clear();
      }, 50);
      try {
        await until(async () => (await statuses()).succeeded === ALERTS, 'every run to succeed', 30_000);
      } finally {
        clearInterval(releasing);
      }
      assert.deepEqual(await statuses(), { succeeded: ALERTS });
      assert.ok(mostAtOnce <= BACKLOG, `${mostAtOnce} actions ran at once`);
    });
  });
}
