import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../support/cli-io.ts';
import { databaseKinds, scratchDatabasesLeft } from '../support/test-databases.ts';

/**
 * The ingest benchmark end to end at a tiny scale: real servers, real load, a real database; the
 * figures and checks exist and the options are honoured. No figure is asserted beyond "measured".
 */
const TINY = [
  '--duration',
  '0.4',
  '--warmup',
  '0',
  '--connections',
  '4',
  '--bulk-connections',
  '1',
  '--batch',
  '20',
];

describe('riposte bench ingest', () => {
  it('runs every phase, stores exactly what it acknowledged, and reports the median of its rounds', async () => {
    const { code, stdout, stderr } = await runCli(['bench', 'ingest', ...TINY, '--rounds', '3']);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout);
    assert.equal(result.valid, true, JSON.stringify(result.failures));
    assert.deepEqual(result.failures, []);
    assert.equal(result.rounds.length, 3);
    for (const key of [
      'bulkAlertsPerSecond',
      'singleAlertsPerSecond',
      'baselineRequestsPerSecond',
      'ratioToBaseline',
    ]) {
      const values = result.rounds
        .map((r: Record<string, number>) => r[key])
        .sort((a: number, b: number) => a - b);
      assert.ok(values[0] > 0, `${key}: ${values}`);
      assert.equal(result[key], values[1], `${key} is the median of ${values}`);
    }
    const median = result.rounds[result.medianRound - 1];
    assert.equal(median.ratioToBaseline, result.ratioToBaseline);
    // What the ratio could be at most, from the CPU each phase used (bench/ratio-ceiling.ts).
    const ceilings = result.rounds
      .map((r: { ratioCeiling: number }) => r.ratioCeiling)
      .sort((a: number, b: number) => a - b);
    assert.ok(
      ceilings.every((c: number) => c > 0),
      `ceilings ${ceilings}`,
    );
    assert.equal(result.ratioCeiling, ceilings[1]);
    for (const key of [
      'singlePost',
      'bulkAlert',
      'baselineRequest',
      'baselineBulkAlert',
      'loadGeneratorPerPost',
    ])
      assert.ok(result.cpuMicros[key] > 0, `cpuMicros.${key}: ${result.cpuMicros[key]}`);
    assert.ok(result.rounds.every((r: { valid: boolean }) => r.valid));
    assert.equal(result.single.batch, 1);
    assert.equal(result.bulk.batch, 20);
    assert.equal(result.bulk.connections, 1);
    assert.equal(result.durability.storedEqualsAcknowledged, true);
    assert.equal(result.durability.synchronous, 'FULL');
    assert.equal(result.durability.journalMode, 'wal');
    assert.equal(result.durability.durable, true);
    assert.equal(result.durability.duplicatesReported, 0);
    assert.equal(result.settings.rounds, 3);
    assert.match(stderr, /round 3 of 3/);
  });

  it('one round by default, without saying so', async () => {
    const { code, stdout, stderr } = await runCli(['bench', 'ingest', ...TINY]);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout);
    assert.equal(result.rounds.length, 1);
    assert.equal(result.medianRound, 1);
    assert.equal(result.singleAlertsPerSecond, result.rounds[0].singleAlertsPerSecond);
    assert.doesNotMatch(stderr, /round 1 of/);
  });

  it('writes a CPU profile of each Riposte phase with --cpu-profile', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'riposte-profile-'));
    try {
      const { code, stderr } = await runCli(['bench', 'ingest', ...TINY, '--cpu-profile', dir]);
      assert.equal(code, 0, stderr);
      assert.deepEqual((await readdir(dir)).sort(), ['bulk-round1.cpuprofile', 'single-round1.cpuprofile']);
      for (const phase of ['single', 'bulk']) {
        const profile = JSON.parse(await readFile(join(dir, `${phase}-round1.cpuprofile`), 'utf8'));
        assert.ok(profile.nodes.length > 0 && profile.samples.length > 0, `${phase}: an empty profile`);
        assert.ok(profile.endTime > profile.startTime);
        // The main thread served the phase: its ingest route handler is among the sampled frames.
        const urls = new Set(profile.nodes.map((n: { callFrame: { url: string } }) => n.callFrame.url));
        assert.ok(
          [...urls].some((u) => String(u).endsWith('ingest-routes.ts')),
          `${phase}: the ingest route is not in the profile`,
        );
      }
      assert.match(stderr, /profile: .*single-round1\.cpuprofile/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses options it cannot use, as usage errors (exit 2) that name the option', async () => {
    for (const [option, value, message] of [
      ['--rounds', '0', /--rounds must be a whole number ≥ 1/],
      ['--rounds', 'two', /--rounds must be a whole number ≥ 1/],
      ['--batch', '1.5', /--batch must be a whole number ≥ 1/],
      ['--database-url', 'sqlite:///tmp/x.db', /--database-url must be a postgres:\/\/ URL/],
    ] as const) {
      const { code, stderr } = await runCli(['bench', 'ingest', option, value]);
      assert.equal(code, 2, `${option} ${value}: ${stderr}`);
      assert.match(stderr, message);
    }
  });
});

if (databaseKinds().includes('postgres'))
  describe('riposte bench ingest on PostgreSQL', () => {
    it('measures on a database of its own, checks the commits were durable, and drops it', async () => {
      const adminUrl = process.env.RIPOSTE_TEST_POSTGRES_URL!;
      const { code, stdout, stderr } = await runCli(['bench', 'ingest', ...TINY, '--database-url', adminUrl]);
      assert.equal(code, 0, stderr);
      const result = JSON.parse(stdout);
      assert.equal(result.valid, true, JSON.stringify(result.failures));
      assert.ok(result.singleAlertsPerSecond > 0 && result.bulkAlertsPerSecond > 0);
      assert.equal(result.durability.database, 'postgres');
      assert.equal(result.durability.fsync, 'on');
      assert.notEqual(result.durability.synchronousCommit, 'off');
      assert.equal(result.durability.durable, true);
      assert.equal(result.durability.storedEqualsAcknowledged, true);
      assert.ok(result.durability.storedAlerts > 0);

      assert.deepEqual(await scratchDatabasesLeft('bench-ingest'), []);
    });

    it('marks the run invalid when commits were acknowledged before they were durable', async () => {
      const url = new URL(process.env.RIPOSTE_TEST_POSTGRES_URL!);
      url.searchParams.set('options', '-c synchronous_commit=off');
      const { code, stdout, stderr } = await runCli([
        'bench',
        'ingest',
        ...TINY,
        '--database-url',
        url.toString(),
      ]);
      assert.equal(code, 1, 'an invalid measurement exits 1');
      const result = JSON.parse(stdout);
      assert.equal(result.durability.synchronousCommit, 'off');
      assert.equal(result.durability.durable, false);
      assert.equal(result.valid, false);
      assert.match(result.failures.join('\n'), /commits were not durable when acknowledged/);
      assert.match(stderr, /FAILURE: commits were not durable/);
    });
  });
