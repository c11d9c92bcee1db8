import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../support/cli-io.ts';
import { databaseKinds, scratchDatabasesLeft } from '../support/test-databases.ts';

interface Figures {
  p50: number;
  p95: number;
  max: number;
  requests: number;
  items: number;
  status?: number;
}

interface Measured {
  list: string;
  name: string;
  request: string;
  first: Figures;
  deep?: Figures & { page: number };
  met: boolean;
}

/** The console benchmark end to end at a tiny scale: figures are not checked, only that they exist. */
async function bench(args: string[]) {
  const { code, stdout, stderr } = await runCli([
    'bench',
    'console',
    '--alerts',
    '2000',
    '--cases',
    '200',
    '--requests',
    '2',
    '--warmup',
    '0',
    ...args,
  ]);
  assert.equal(code, 0, stderr);
  return { result: JSON.parse(stdout) as Record<string, unknown>, stderr };
}

for (const kind of databaseKinds()) {
  describe(`riposte bench console on ${kind}`, () => {
    it('seeds the volumes asked for and measures every list of the console over HTTP', async () => {
      const adminUrl = process.env.RIPOSTE_TEST_POSTGRES_URL;
      const { result, stderr } = await bench(kind === 'postgres' ? ['--database-url', adminUrl!] : []);
      assert.equal(result['database'], kind);
      assert.deepEqual(result['volumes'], { alerts: 2000, cases: 200, runs: 400, tasks: 40, audit: 2000 });
      const rows = result['rows'] as Record<string, number>;
      assert.equal(rows['alerts'], 2000);
      assert.equal(rows['cases'], 200);
      assert.equal(rows['runs'], 400);
      assert.equal(rows['tasks'], 40);
      assert.equal(rows['audit_log'], 2000);
      assert.ok(rows['case_tags']! > 0 && rows['case_observables']! >= 800, JSON.stringify(rows));
      assert.ok((result['databaseBytes'] as number) > 0);
      assert.equal(typeof result['seedSeconds'], 'number');
      assert.match(stderr, /2000 alerts/);

      // Every filter the bench knows is declared by the API, so nothing was skipped.
      assert.deepEqual(result['skipped'], []);
      const lists = result['lists'] as Measured[];
      for (const list of ['alerts', 'cases', 'case view', 'runs', 'tasks', 'audit', 'dashboard'])
        assert.ok(
          lists.some((l) => l.list === list),
          `${list} measured`,
        );
      for (const l of lists) {
        assert.equal(l.first.status, undefined, `${l.list}: ${l.name} answered ${l.first.status}`);
        assert.equal(l.first.requests, 2, `${l.list}: ${l.name}`);
        for (const f of [l.first, l.deep].filter((x) => x !== undefined)) {
          assert.ok(
            f.p50 >= 0 && f.p50 <= f.p95 && f.p95 <= f.max,
            `${l.list}: ${l.name} ${JSON.stringify(f)}`,
          );
        }
        assert.equal(typeof l.met, 'boolean');
      }
      // The data is there: unfiltered lists fill their first page, and the cursor chain leads deeper.
      const named = (list: string, name: string) => lists.find((l) => l.list === list && l.name === name)!;
      assert.equal(named('alerts', 'all').first.items, 50);
      assert.ok(named('alerts', 'all').deep!.page > 1);
      assert.equal(named('cases', 'all').first.items, 50);
      assert.equal(named('runs', 'all').first.items, 50);
      assert.equal(named('audit', 'all, newest first').first.items, 100);
      assert.ok(named('cases', 'open').first.items > 0);
      assert.ok(named('runs', 'failure inbox').first.items > 0);
      assert.ok(named('cases', 'text search, a word of every case').first.items > 0);
      assert.ok(named('alerts', 'of the biggest case').first.items > 1);
      assert.equal(
        result['allMet'],
        lists.every((l) => l.met),
      );

      if (kind === 'postgres') {
        // The fresh database it made is gone.
        assert.deepEqual(await scratchDatabasesLeft('bench-console'), []);
      }
    });
  });
}

describe('riposte bench console arguments', () => {
  it('refuses volumes it cannot seed, as a usage error (exit 2) that names the option', async () => {
    const { code, stderr } = await runCli(['bench', 'console', '--alerts', '100', '--cases', '500']);
    assert.equal(code, 2);
    assert.match(stderr, /--cases must not exceed --alerts/);
  });
});
