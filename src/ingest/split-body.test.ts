import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitJson, splitLines } from './split-body.ts';

describe('splitJson', () => {
  it('reads one object, an array, and an envelope the format unwraps', () => {
    assert.deepEqual(splitJson('{"a":1}'), [{ ok: true, record: { a: 1 } }]);
    assert.deepEqual(splitJson('[{"a":1},{"a":2}]').length, 2);
    const unwrapped = splitJson('{"value":[{"a":1},{"a":2}]}', (v) =>
      Array.isArray(v.value) ? v.value : undefined,
    );
    assert.deepEqual(unwrapped, [
      { ok: true, record: { a: 1 } },
      { ok: true, record: { a: 2 } },
    ]);
  });

  it('reads NDJSON, keeping good lines and rejecting bad ones at their index', () => {
    const records = splitJson('{"a":1}\r\n\n{"a":\n{"a":3}\n');
    assert.equal(records.length, 3);
    assert.equal(records[0]!.ok, true);
    const bad = records[1]!;
    assert.ok(!bad.ok);
    assert.match(bad.error.message, /^line 3 is not valid JSON/);
    assert.equal(bad.error.path, '/1');
    assert.deepEqual(records[2], { ok: true, record: { a: 3 } });
  });

  it('treats a BOM and whitespace as nothing', () => {
    assert.deepEqual(splitJson('\uFEFF  {"a":1}  '), [{ ok: true, record: { a: 1 } }]);
    assert.deepEqual(splitJson('   \n  '), []);
  });
});

describe('splitLines', () => {
  it('one record per non-empty line, without line terminators', () => {
    assert.deepEqual(splitLines('CEF:0|a\r\n\nCEF:0|b'), [
      { ok: true, record: 'CEF:0|a' },
      { ok: true, record: 'CEF:0|b' },
    ]);
  });
});
