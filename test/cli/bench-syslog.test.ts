import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../support/cli-io.ts';

/** The syslog benchmark end to end at a tiny scale: every message stored, with the spool and without. */
describe('riposte bench syslog', () => {
  it('sends distinct CEF messages over TCP and waits until each is stored, with and without the spool', async () => {
    const { code, stdout, stderr } = await runCli(['bench', 'syslog', '--messages', '2000']);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout);
    assert.equal(result.scenario, 'syslog');
    assert.equal(result.valid, true);
    for (const phase of ['spool', 'memoryOnly']) {
      assert.equal(result[phase].accepted, 2000, phase);
      assert.equal(result[phase].dropped, 0, phase);
      assert.ok(result[phase].messagesPerSecond > 0, phase);
    }
    assert.ok(result.spool.peakSpoolBytes > 2000 * 100, 'the spool held the messages');
    assert.equal(result.memoryOnly.peakSpoolBytes, 0);
  });

  it('refuses a message count below one chunk', async () => {
    const { code, stderr } = await runCli(['bench', 'syslog', '--messages', '10']);
    assert.equal(code, 2);
    assert.match(stderr, /--messages must be a whole number ≥ 1000/);
  });
});
