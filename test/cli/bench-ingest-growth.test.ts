import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../support/cli-io.ts';

/** The growth benchmark end to end at a tiny scale: one step per 2,000 alerts, every alert stored. */
describe('riposte bench ingest-growth', () => {
  it('reports each step of stored alerts, with and without dedup', async () => {
    for (const extra of [[], ['--without-dedup', '--sqlite-cache-mb', '16']]) {
      const { code, stdout, stderr } = await runCli([
        'bench',
        'ingest-growth',
        '--alerts',
        '5000',
        '--step',
        '2000',
        '--batch',
        '500',
        ...extra,
      ]);
      assert.equal(code, 0, stderr);
      const result = JSON.parse(stdout);
      // The last step is what is left: 5,000 = 2,000 + 2,000 + 1,000.
      assert.deepEqual(
        result.steps.map((s: { storedBefore: number; alerts: number }) => [s.storedBefore, s.alerts]),
        [
          [0, 2000],
          [2000, 2000],
          [4000, 1000],
        ],
      );
      for (const step of result.steps) {
        assert.ok(step.alertsPerSecond > 0);
        assert.ok(step.mainThreadMicrosecondsPerAlert > 0);
        // Some body is always in flight, so the bodies' waits add up to at least the step's time,
        // and the slowest is at least their average (both figures rounded).
        const averageBodyMs = (500 / step.alertsPerSecond) * 1000;
        assert.ok(
          step.slowestBodyMilliseconds >= Math.floor(averageBodyMs) - 1,
          `${step.slowestBodyMilliseconds} ms slowest, ${averageBodyMs} ms per body on average`,
        );
      }
      assert.equal(result.settings.withoutDedup, extra.length > 0);
      assert.equal(result.settings.sqliteCacheMb, extra.length > 0 ? 16 : 64);
      assert.match(stderr, /5000 alerts stored/);
    }
  });

  it('refuses a step that is not a whole number of batches', async () => {
    const { code, stderr } = await runCli(['bench', 'ingest-growth', '--step', '1500', '--batch', '1000']);
    assert.equal(code, 2);
    assert.match(stderr, /--step must be a multiple of --batch/);
  });

  it('refuses more alerts than it can make distinct, and a count that is not a whole number', async () => {
    const tooMany = await runCli(['bench', 'ingest-growth', '--alerts', String(2 ** 24 + 1000)]);
    assert.equal(tooMany.code, 2);
    assert.match(tooMany.stderr, /--alerts must be at most 16777216/);
    const fraction = await runCli(['bench', 'ingest-growth', '--batch', '2.5']);
    assert.equal(fraction.code, 2);
    assert.match(fraction.stderr, /--batch must be a whole number ≥ 1/);
    const cache = await runCli(['bench', 'ingest-growth', '--sqlite-cache-mb', '1']);
    assert.equal(cache.code, 2);
    assert.match(cache.stderr, /--sqlite-cache-mb must be a whole number ≥ 2/);
  });
});
