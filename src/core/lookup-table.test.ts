import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lookupTable } from './lookup-table.ts';

describe('lookupTable', () => {
  it('answers its own entries and nothing an object inherits', () => {
    const table = lookupTable({ endpoint: 'malware', '1': 'one' });
    assert.equal(table['endpoint'], 'malware');
    assert.equal(table['1'], 'one');
    for (const inherited of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      assert.equal(table[inherited], undefined, inherited);
      assert.equal(inherited in table, false, `${inherited} in table`);
    }
    assert.deepEqual(Object.keys(table), ['1', 'endpoint']);
    assert.ok(Object.isFrozen(table));
    assert.throws(() => {
      (table as Record<string, string>)['added'] = 'x';
    }, TypeError);
  });
});
