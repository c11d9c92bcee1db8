import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionTurns } from './connection-turns.ts';

describe('ConnectionTurns', () => {
  it('gives a free connection at once and the rest in the order asked, one at a time', async () => {
    const turns = new ConnectionTurns();
    assert.equal(turns.take(), undefined);
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => turns.take()!.then(() => order.push(n)));
    assert.equal(turns.waiting, 3);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [], 'nobody gets a turn the holder has not released');
    turns.release();
    await waits[0];
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [1], 'a release hands over exactly one turn');
    turns.release();
    turns.release();
    await Promise.all(waits);
    assert.deepEqual(order, [1, 2, 3]);
    turns.release();
    assert.equal(turns.waiting, 0);
    assert.equal(turns.take(), undefined, 'free again once the last turn ends');
  });

  it('keeps the order through a line long enough to be compacted', async () => {
    const turns = new ConnectionTurns();
    turns.take();
    const order: number[] = [];
    const waits = Array.from({ length: 3000 }, (_, n) => turns.take()!.then(() => order.push(n)));
    for (let n = 0; n < 1500; n++) turns.release();
    // More arrive while the line is half served.
    const late = Array.from({ length: 10 }, (_, n) => turns.take()!.then(() => order.push(3000 + n)));
    for (let n = 0; n < 1510; n++) turns.release();
    await Promise.all([...waits, ...late]);
    assert.deepEqual(
      order,
      Array.from({ length: 3010 }, (_, n) => n),
    );
    assert.equal(turns.waiting, 0);
  });

  it('refuses a release nobody held, which would hand out two turns at once', () => {
    const turns = new ConnectionTurns();
    assert.throws(() => turns.release(), /nobody held/);
  });
});
