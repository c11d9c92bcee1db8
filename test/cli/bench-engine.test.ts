import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../support/cli-io.ts';

/** The engine benchmark end to end at a tiny scale: the figures exist and the options are honoured. */
const bench = (args: string[]) =>
  runCli(['bench', 'engine', '--runs', '200', '--latency-seconds', '0.5', ...args]);

describe('riposte bench engine', () => {
  it('runs the latency phase at the rate asked for, and says it was fixed', async () => {
    const { code, stdout, stderr } = await bench(['--latency-rate', '100']);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout);
    assert.equal(result.scenario, 'engine');
    assert.ok(result.runsPerSecond > 0);
    assert.ok(result.stepOverheadMicros > 0);
    assert.equal(result.latencyPhase.alertsPerSecond, 100);
    assert.equal(result.latencyPhase.rateFixed, true);
    // Half a second at 100/s, on a schedule that catches up after a late tick: 50 alerts, each
    // starting one run, however busy the machine.
    assert.equal(result.latencyPhase.alerts, 50, stdout);
    assert.equal(result.latencyPhase.runs, result.latencyPhase.alerts);
    assert.ok(Number.isFinite(result.p99FirstActionMs));
    assert.match(stderr, /alert → first action at 100 alerts\/s/);
  });

  it('refuses a rate that is not a positive number', async () => {
    const { code, stderr } = await bench(['--latency-rate', 'fast']);
    assert.equal(code, 2);
    assert.match(stderr, /--latency-rate must be a number of alerts per second/);
  });
});
