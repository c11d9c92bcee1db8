import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapPattern, parsePattern, PatternError } from './stix-pattern.ts';

const map = (pattern: string) => mapPattern(parsePattern(pattern));

describe('STIX patterns', () => {
  it('maps equality comparisons on known paths, OR-joined inside and across observations', () => {
    assert.deepEqual(
      map("[ipv4-addr:value = '198.51.100.1' OR domain-name:value = 'evil.example.com']").values,
      [
        { type: 'ipv4', value: '198.51.100.1' },
        { type: 'domain', value: 'evil.example.com' },
      ],
    );
    assert.deepEqual(
      map("[url:value = 'http://x.example.com/a'] OR [email-addr:value = 'a@example.com']").values,
      [
        { type: 'url', value: 'http://x.example.com/a' },
        { type: 'email', value: 'a@example.com' },
      ],
    );
  });

  it('reads file hashes in every spelling, escapes and IN lists', () => {
    const sha = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c';
    assert.deepEqual(map(`[file:hashes.'SHA-256' = '${sha}']`).values, [{ type: 'sha256', value: sha }]);
    assert.deepEqual(map(`[file:hashes.MD5 = 'aa' OR file:hashes.'SHA-1' = 'bb']`).values, [
      { type: 'md5', value: 'aa' },
      { type: 'sha1', value: 'bb' },
    ]);
    assert.deepEqual(map("[file:name = 'it\\'s.exe']").values, [{ type: 'filename', value: "it's.exe" }]);
    assert.deepEqual(map("[ipv4-addr:value IN ('192.0.2.1', '192.0.2.2')]").values.length, 2);
  });

  it('says why it does not map what a single observable cannot satisfy', () => {
    const and = map("[ipv4-addr:value = '192.0.2.1' AND network-traffic:dst_port = 443]");
    assert.deepEqual(and.values, []);
    assert.match(and.unmapped[0]!, /AND/);
    assert.match(
      map("[email-message:subject MATCHES '^Invoice']").unmapped[0]!,
      /no Riposte observable type/,
    );
    assert.match(map("[domain-name:value != 'x.example.com']").unmapped[0]!, /not an equality/);
    assert.match(map("[ipv4-addr:value = '192.0.2.1'] REPEATS 5 TIMES").unmapped[0]!, /REPEATS/);
    assert.match(
      map("[ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [domain-name:value = 'a.example.com']").unmapped[0]!,
      /FOLLOWEDBY/,
    );
    const mixed = map("[domain-name:value = 'a.example.com' OR email-message:subject = 'hi']");
    assert.equal(mixed.values.length, 1);
    assert.equal(mixed.unmapped.length, 1);
  });

  it('rejects malformed patterns with the position of the problem', () => {
    for (const [pattern, message] of [
      ["[ipv4-addr:value = '1.2.3.4'", /expected "\]"/],
      ["[ipv4-addr:value = '1.2.3.4]", /unterminated string at position 19/],
      ["ipv4-addr:value = '1.2.3.4'", /expected "\[" .* at position 0/],
      ["[ipv4-addr:value '1.2.3.4']", /expected an operator/],
      ["[value = '1.2.3.4']", /expected an object path/],
      ["[ipv4-addr:value = '1.2.3.4'] WITHIN 5", /expected SECONDS/],
    ] as const) {
      assert.throws(
        () => parsePattern(pattern),
        (e: unknown) => e instanceof PatternError && message.test(e.message),
        pattern,
      );
    }
  });
});
