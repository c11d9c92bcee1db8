import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import type { CompiledExpression } from '../../src/core/playbook.ts';
import { openRiposte, type Riposte } from '../../src/riposte.ts';
import { THREAD_MIN_BODY } from '../../src/ingest/ingest-service.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.ts';

const ACTOR = { id: 't', type: 'system' as const };
const COUNT = 120;

const playbook = (id: string, trigger: string) => `
id: ${id}
name: ${id}
triggers:
  alert: \${{ ${trigger} }}
steps:
  - { id: done, end: true }
`;

/** A body large enough for an ingest thread: internal and external sources alternate. */
function body(round: number): string {
  const events = Array.from({ length: COUNT }, (_, i) =>
    eveAlert({ srcIp: i % 2 === 0 ? `10.${round}.0.${i}` : `192.0.${round}.${i}`, sid: round * 1000 + i }),
  );
  const text = JSON.stringify(events);
  assert.ok(text.length >= THREAD_MIN_BODY);
  return text;
}

/**
 * Alert triggers answered on the ingest thread (src/ingest/trigger-answers.ts), end to end: the runs
 * an ingested body starts are the same whether a trigger was answered there or evaluated by the
 * writer, a trigger that reads what only the writer knows is evaluated by the writer, and a trigger
 * changed after the thread answered is evaluated again. Routing does not depend on the database, so
 * SQLite alone.
 */
describe('alert triggers answered where the body is prepared', () => {
  let db: TestDatabase;
  let riposte: Riposte;
  before(async () => {
    db = await createTestDatabase('sqlite');
    riposte = await openRiposte(
      loadConfig(
        {},
        {
          dataDir: db.dataDir,
          databaseUrl: db.url,
          logLevel: 'silent',
          builtinPlaybooks: false,
          ingestThreads: 1,
        },
      ),
    );
    await riposte.sources.create({ name: 'ids', format: 'suricata' }, ACTOR);
  });
  after(async () => {
    await riposte.close();
    await db.drop();
  });

  /** Per playbook, the source addresses of the alerts whose runs it queued in `round`. */
  async function ingest(round: number): Promise<Record<string, string[]>> {
    const result = await riposte.ingest.ingest(
      await riposte.sources.get('ids'),
      body(round),
      'application/json',
      ACTOR,
    );
    assert.equal(result.accepted, COUNT);
    const rows = await riposte.database.db
      .selectFrom('runs')
      .innerJoin('alerts', 'alerts.id', 'runs.alert_id')
      .select(['runs.playbook_id', 'alerts.raw'])
      .where('alerts.id', 'in', result.alertIds)
      .execute();
    const started: Record<string, string[]> = {};
    for (const row of rows)
      (started[row.playbook_id] ??= []).push((JSON.parse(row.raw) as { src_ip: string }).src_ip);
    for (const list of Object.values(started)) list.sort();
    return started;
  }
  const sources = (round: number, internal: boolean) =>
    Array.from({ length: COUNT }, (_, i) => i)
      .filter((i) => (i % 2 === 0) === internal)
      .map((i) => (internal ? `10.${round}.0.${i}` : `192.0.${round}.${i}`))
      .sort();

  /** Counts the writer's own evaluations of each playbook's trigger (the plans are cached objects). */
  async function countEvaluations(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const { plan } of await riposte.playbooks.enabledPlans()) {
      const trigger = plan.triggers.alert as { evaluate: CompiledExpression['evaluate'] } | null;
      if (trigger === null) continue;
      const evaluate = trigger.evaluate.bind(trigger);
      counts[plan.id] = 0;
      trigger.evaluate = (scope, checked) => {
        counts[plan.id]!++;
        return evaluate(scope, checked);
      };
    }
    return counts;
  }

  it('start the same runs as the writer would, without the writer evaluating them', async () => {
    await riposte.playbooks.save(playbook('internal', 'alert.raw.src_ip.startsWith("10.")'), ACTOR);
    // The case is given by the writer's grouping: evaluated there, after it.
    await riposte.playbooks.save(playbook('grouped', 'alert.caseId != null'), ACTOR);

    // The first body is prepared before any batch told the threads the triggers: the writer evaluates.
    const first = await ingest(1);
    assert.deepEqual(first['internal'], sources(1, true));
    assert.equal(first['grouped']?.length, COUNT);

    const evaluations = await countEvaluations();
    const second = await ingest(2);
    assert.deepEqual(second['internal'], sources(2, true));
    assert.equal(second['grouped']?.length, COUNT);
    assert.deepEqual(evaluations, { internal: 0, grouped: COUNT });
  });

  it('evaluate a trigger changed after the thread answered the old one', async () => {
    await riposte.playbooks.save(playbook('internal', 'alert.raw.src_ip.startsWith("192.")'), ACTOR);
    // The body is prepared with the set of the last batch, which holds the old trigger.
    const third = await ingest(3);
    assert.deepEqual(third['internal'], sources(3, false));
    const evaluations = await countEvaluations();
    const fourth = await ingest(4);
    assert.deepEqual(fourth['internal'], sources(4, false));
    assert.deepEqual(evaluations, { internal: 0, grouped: COUNT });
  });
});
