import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redact, secretValues } from './redact.ts';

describe('redact', () => {
  const secrets = secretValues({ a: 'abcd', b: 'abcdefgh', empty: '' });

  it('replaces every occurrence deeply, keys included, longest secret first', () => {
    const value = { s: 'x abcdefgh y abcd', list: ['abcd', 1, null, { abcd: 'ok' }], n: 3 };
    assert.deepEqual(redact(value, secrets), {
      s: 'x *** y ***',
      list: ['***', 1, null, { '***': 'ok' }],
      n: 3,
    });
  });

  it('returns the same reference when nothing changes, and ignores empty and too-short secrets', () => {
    const value = { s: 'clean', list: [1, 'two'] };
    assert.equal(redact(value, secrets), value);
    assert.equal(redact(value, []), value);
    assert.deepEqual(secretValues({ e: '', short: 'k' }), []);
    const kind = { error: { kind: 'action', retryable: true } };
    assert.equal(
      redact(kind, secretValues({ one: 'k' })),
      kind,
      'a one-letter value never rewrites stored data',
    );
  });
});
