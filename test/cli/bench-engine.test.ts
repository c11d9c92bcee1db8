import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import type { Io } from '../../src/cli/cli-context.ts';

/** The engine benchmark end to end at a tiny scale: the figures exist and the options are honoured. */
async function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    readStdin: async () => '',
    isTTY: false,
  };
  const code = await main(['bench', 'engine', '--runs', '200', '--latency-seconds', '0.5', ...args], io);
  return { code, stdout, stderr };
}

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
    // Half a second at 100/s, in 20 ms ticks of 2 alerts: about 50 alerts, each starting one run.
    assert.ok(result.latencyPhase.alerts >= 40 && result.latencyPhase.alerts <= 60, stdout);
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
