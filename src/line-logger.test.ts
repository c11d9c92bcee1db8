import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineLogger, REPEAT_MS } from './line-logger.ts';

describe('lineLogger', () => {
  it('writes the same failure once per REPEAT_MS, then says how many were left out', () => {
    const lines: Record<string, unknown>[] = [];
    let clock = 1_000_000;
    const { error, line } = lineLogger(
      'info',
      (text) => lines.push(JSON.parse(text)),
      () => clock,
    );
    const down = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    for (let i = 0; i < 10; i++) {
      error(down, 'run timers failed');
      clock += 1000;
    }
    error(new Error('disk full'), 'run timers failed');
    error(down, 'starting queued runs failed');
    assert.deepEqual(
      lines.map((l) => [l.msg, l.err, l.repeated]),
      [
        ['run timers failed', 'connect ECONNREFUSED 127.0.0.1:5432', undefined],
        ['run timers failed', 'disk full', undefined],
        ['starting queued runs failed', 'connect ECONNREFUSED 127.0.0.1:5432', undefined],
      ],
    );
    clock += REPEAT_MS;
    error(down, 'run timers failed');
    assert.deepEqual(lines.at(-1)!.repeated, 9);
    assert.equal(lines.at(-1)!.level, 50);
    error(down, 'run timers failed');
    assert.equal(lines.length, 4, 'counted again from here');
    line(30, { msg: 'below warn' });
    assert.equal(lines.length, 5);
    const quiet = lineLogger(
      'warn',
      (text) => lines.push(JSON.parse(text)),
      () => clock,
    );
    quiet.line(30, { msg: 'info is below warn' });
    assert.equal(lines.length, 5);
  });
});
