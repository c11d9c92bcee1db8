import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../support/cli-io.ts';

/** The soak benchmark end to end at a tiny scale: a real server process, real load, real samples. */
describe('riposte bench soak', () => {
  it('drives every kind of traffic, stores every accepted alert, and samples the memory it reports on', async () => {
    const { code, stdout, stderr } = await runCli([
      'bench',
      'soak',
      '--minutes',
      '0.15',
      '--warmup-minutes',
      '0.03',
      '--sample-seconds',
      '1',
      '--rate',
      '40',
      '--bulk-rate',
      '20',
      '--console-every',
      '0.5',
    ]);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout);
    assert.equal(result.scenario, 'soak');
    assert.equal(result.valid, true, stdout);
    assert.equal(result.requests.failed, 0);
    for (const kind of ['single', 'bulk', 'console', 'comment'])
      assert.ok(result.requests.byKind[kind]?.sent > 0, `no ${kind} requests: ${stdout}`);
    // One single post in ten repeats an earlier alert: dedup counts it, and it is not stored again.
    assert.ok(result.alerts.duplicates > 0);
    assert.equal(result.alerts.stored, result.alerts.accepted);
    // Every stored alert triggered the soak playbook, and every run finished.
    assert.equal(result.runs.succeeded, result.alerts.stored);
    assert.equal(result.runs.stillOpen, 0);
    assert.ok(result.liveStreamEvents > 0);
    assert.ok(result.samples.length >= 5, stdout);
    for (const figure of [result.heap, result.rssAnon]) {
      assert.ok(figure.atWindowStartMB > 0);
      assert.ok(Number.isFinite(figure.slopeMBPerMinute));
      assert.equal(typeof figure.trendShare, 'number');
    }
    assert.equal(typeof result.met.heapFlat, 'boolean');
  });

  it('refuses a warm-up as long as the soak', async () => {
    const { code, stderr } = await runCli(['bench', 'soak', '--minutes', '1', '--warmup-minutes', '1']);
    assert.equal(code, 2);
    assert.match(stderr, /--warmup-minutes must be shorter than --minutes/);
  });
});
