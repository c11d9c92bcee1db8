import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findUnstorable, storable, unstorable } from './storable-text.ts';

describe('storable text', () => {
  it('keeps well-formed text without NUL as it is, the same string', () => {
    const text = 'Ünïcode 🙂 and "quotes"';
    assert.equal(storable(text), text);
    assert.equal(unstorable(text), undefined);
  });

  it('turns NUL characters and unpaired surrogates into U+FFFD, and keeps pairs', () => {
    assert.equal(storable('a\u0000b\u0000'), 'a\ufffdb\ufffd');
    assert.equal(storable('x\ud800y\udc00'), 'x\ufffdy\ufffd');
    assert.equal(storable('🙂'.slice(0, 1)), '\ufffd');
    assert.equal(storable('ok 🙂 \u0000'), 'ok 🙂 \ufffd');
  });

  it('says why text cannot be stored', () => {
    assert.equal(unstorable('a\u0000'), 'a NUL character (U+0000) at character 2');
    assert.equal(
      unstorable('🙂x\udfff'),
      'an unpaired UTF-16 surrogate at character 4 (not well-formed Unicode)',
    );
  });

  it('finds the first unstorable string in a value, with its path, keys included', () => {
    assert.equal(findUnstorable({ a: ['ok', { b: 1, c: null }], d: Buffer.from([0]) }), undefined);
    assert.deepEqual(findUnstorable({ a: ['ok', { b: 'x\u0000' }] }), {
      path: '/a/1/b',
      why: 'a NUL character (U+0000) at character 2',
    });
    assert.deepEqual(findUnstorable('\ud800'), {
      path: '',
      why: 'an unpaired UTF-16 surrogate at character 1 (not well-formed Unicode)',
    });
    assert.deepEqual(findUnstorable({ ['k\u0000']: 1 }), {
      path: '/k\ufffd',
      why: 'a key with a NUL character (U+0000) at character 2',
    });
  });
});
