import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { ActionError } from '../../core/action.ts';
import { pause } from './pause.ts';

describe('pause', () => {
  it('leaves no abort listener behind after the waits it finished', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) await pause(0, controller.signal, 'nothing');
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  it('stops at once when the step is cancelled, naming what it waited for', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = pause(60_000, controller.signal, 'VirusTotal');
    setImmediate(() => controller.abort());
    await assert.rejects(waiting, (error: unknown) => {
      assert.ok(error instanceof ActionError);
      assert.equal(error.code, 'cancelled');
      assert.equal(error.retryable, false);
      assert.equal(error.message, 'the step was cancelled while waiting for VirusTotal');
      return true;
    });
    assert.ok(Date.now() - started < 5_000);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  it('refuses to start on a step already cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(pause(10, controller.signal, 'urlscan.io'), { code: 'cancelled' });
  });

  it('treats a negative wait as none', async () => {
    await pause(-5, undefined, 'nothing');
  });
});
