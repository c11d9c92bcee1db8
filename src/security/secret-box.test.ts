import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { configuredMasterKeys, loadMasterKey } from './master-key.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { SecretBox } from './secret-box.ts';

describe('master key and secret box', () => {
  it('creates a key file with mode 0600 once and reuses it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'riposte-key-'));
    try {
      const a = loadMasterKey(undefined, dir);
      const b = loadMasterKey(undefined, dir);
      assert.equal(a.id, b.id);
      assert.equal(statSync(path.join(dir, 'master.key')).mode & 0o777, 0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a key of the wrong length, naming the setting', () => {
    assert.throws(() => loadMasterKey('abcd', '/nonexistent'), /RIPOSTE_MASTER_KEY must hold a 256-bit key/);
  });

  it('seals with a fresh nonce each time and opens only with the same key', () => {
    const box = new SecretBox(loadMasterKey('11'.repeat(32), '/nonexistent'));
    const one = box.seal('s3cret');
    const two = box.seal('s3cret');
    assert.notEqual(one, two);
    assert.doesNotMatch(one, /s3cret/);
    assert.equal(box.open(one), 's3cret');
    const other = new SecretBox(loadMasterKey('22'.repeat(32), '/nonexistent'));
    assert.throws(() => other.open(one), /sealed with master key/);
    const tampered = one.slice(0, -3) + (one.endsWith('A') ? 'BBB' : 'AAA');
    assert.throws(() => box.open(tampered));
  });

  it('RIPOSTE_MASTER_KEY may list keys: the first seals, the others open', () => {
    const [first, second] = configuredMasterKeys(`${'11'.repeat(32)}, ${'22'.repeat(32)}`);
    assert.equal(first?.id, loadMasterKey('11'.repeat(32), '/nonexistent').id);
    const old = new SecretBox(second!).seal('s3cret');
    const box = new SecretBox(first!, [second!]);
    assert.equal(box.open(old), 's3cret');
    assert.equal(SecretBox.keyIdOf(box.seal('x')), first!.id);
    assert.throws(() => configuredMasterKeys(`${'11'.repeat(32)},`), /RIPOSTE_MASTER_KEY lists an empty key/);
    assert.throws(
      () => configuredMasterKeys(`${'11'.repeat(32)},abcd`),
      /RIPOSTE_MASTER_KEY \(key 2\) must hold/,
    );
  });

  it('reads its keys again when it meets a key it does not have', () => {
    const [first, second] = configuredMasterKeys(`${'11'.repeat(32)},${'22'.repeat(32)}`);
    const sealed = new SecretBox(second!).seal('s3cret');
    let reads = 0;
    const box = new SecretBox(first!, [], () => (reads++, [first!, second!]));
    assert.equal(box.open(sealed), 's3cret');
    assert.equal(box.open(sealed), 's3cret');
    assert.equal(reads, 1, 'once: the key is known from then on');
    // Opening does not change the key it seals with: that follows the database (useSealingKey).
    assert.equal(box.keyId, first!.id);
  });
});

describe('passwords', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse battery staple');
    assert.match(hash, /^scrypt\$32768\$8\$1\$/);
    assert.equal(await verifyPassword('correct horse battery staple', hash), true);
    assert.equal(await verifyPassword('Correct horse battery staple', hash), false);
    assert.equal(await verifyPassword('x', 'garbage'), false);
  });
});
