import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redact, secretValues } from './redact.ts';

describe('redact', () => {
  const secrets = secretValues({ a: 'abc', b: 'abcdef', empty: '' });

  it('replaces every occurrence deeply, keys included, longest secret first', () => {
    const value = { s: 'x abcdef y abc', list: ['abc', 1, null, { abc: 'ok' }], n: 3 };
    assert.deepEqual(redact(value, secrets), {
      s: 'x *** y ***',
      list: ['***', 1, null, { '***': 'ok' }],
      n: 3,
    });
  });

  it('returns the same reference when nothing changes, and ignores empty secrets', () => {
    const value = { s: 'clean', list: [1, 'two'] };
    assert.equal(redact(value, secrets), value);
    assert.equal(redact(value, []), value);
    assert.deepEqual(secretValues({ e: '' }), []);
  });
});
