import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { OBSERVABLE_TYPES } from './alert.ts';
import {
  canonicalObservable as canonical,
  dedupeObservables,
  extractObservablesFromText,
  refang,
  urlObservables,
} from './observable.ts';

describe('refang', () => {
  it('undoes the usual defanging', () => {
    assert.equal(
      refang('hxxps://evil[.]com/a and bob[@]corp(.)com and hxxp[:]//x[.]org'),
      'https://evil.com/a and bob@corp.com and http://x.org',
    );
  });
});

describe('canonicalObservable', () => {
  const cases: [Parameters<typeof canonical>[0], string, string | null][] = [
    ['ipv4', ' 192.168.1.10 ', '192.168.1.10'],
    ['ipv4', '10.0.0.256', null],
    ['ipv4', '0.0.0.0', null],
    ['ipv4', '203.0.113[.]5', '203.0.113.5'],
    ['ipv6', '2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['ipv6', '[fe80::1%eth0]', 'fe80::1'],
    ['ipv6', '::', null],
    ['domain', 'WWW.Example.COM.', 'www.example.com'],
    ['domain', 'evil[.]co.uk', 'evil.co.uk'],
    ['domain', 'bücher.de', 'xn--bcher-kva.de'],
    ['domain', 'cmd.exe', null],
    ['domain', 'localhost', null],
    // RFC 6761: example and test names are ordinary names; invalid and localhost ones name nothing.
    ['domain', 'Login.Paypa1-Secure.EXAMPLE', 'login.paypa1-secure.example'],
    ['domain', 'mail.corp.test.', 'mail.corp.test'],
    ['domain', 'example', null],
    ['domain', 'host.invalid', null],
    ['domain', 'app.localhost', null],
    ['domain', 'fileserver.corp', null],
    ['email', 'alice@corp.example', 'alice@corp.example'],
    ['domain', '10.0.0.1', null],
    ['url', 'HXXPS://Evil.COM:443/Path?q=1', 'https://evil.com/Path?q=1'],
    ['url', 'not a url', null],
    ['email', 'Alice@Corp.Example.COM', 'Alice@corp.example.com'],
    ['email', 'mailto:<bob@example.org>', 'bob@example.org'],
    ['email', 'no-at-sign', null],
    ['md5', 'D41D8CD98F00B204E9800998ECF8427E', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['sha1', 'abc', null],
    ['sha256', '0'.repeat(64), null],
    ['cve', 'cve-2021-44228', 'CVE-2021-44228'],
    ['cve', 'CVE-21-1', null],
    ['mac', '00-1A-2B-3C-4D-5E', '00:1a:2b:3c:4d:5e'],
    ['mac', '001a.2b3c.4d5e', '00:1a:2b:3c:4d:5e'],
    ['mac', '00-1A-2B', null],
    ['host', 'WKS-042.corp.', 'wks-042.corp'],
    ['host', '.', null],
    ['host', '-.', null],
    ['host', 'a..', 'a'],
    ['user', '  CORP\\alice ', 'CORP\\alice'],
    ['user', '-', null],
  ];
  for (const [type, input, expected] of cases) {
    it(`${type} ${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () =>
      assert.equal(canonical(type, input), expected));
  }

  it('is idempotent and never throws, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...OBSERVABLE_TYPES),
        fc.oneof(fc.string(), fc.ipV4(), fc.ipV6(), fc.domain(), fc.webUrl(), fc.emailAddress()),
        (type, value) => {
          const once = canonical(type, value);
          if (once !== null) assert.equal(canonical(type, once), once);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('urlObservables and dedupe', () => {
  it('names the URL and its host', () => {
    assert.deepEqual(urlObservables('http://198.51.100.4:8080/x', 'destination'), [
      { type: 'url', value: 'http://198.51.100.4:8080/x', role: 'destination' },
      { type: 'ipv4', value: '198.51.100.4', role: 'destination' },
    ]);
  });
  it('keeps the first of each type and value', () => {
    assert.deepEqual(
      dedupeObservables([
        { type: 'ipv4', value: '1.2.3.4', role: 'source' },
        null,
        { type: 'ipv4', value: '1.2.3.4', role: 'destination' },
      ]),
      [{ type: 'ipv4', value: '1.2.3.4', role: 'source' }],
    );
  });
});

describe('extractObservablesFromText', () => {
  it('finds refanged indicators and leaves file names alone', () => {
    const found = extractObservablesFromText(
      'Open invoice.zip from hxxps://login-secure[.]example.com/verify, mail admin@corp.example.org, hash 44d88612fea8a8f36de82e1278abb02f, from 203.0.113.7 (CVE-2023-1234).',
    );
    assert.deepEqual(
      found.map((o) => `${o.type}:${o.value}`),
      [
        'url:https://login-secure.example.com/verify',
        'domain:login-secure.example.com',
        'email:admin@corp.example.org',
        'md5:44d88612fea8a8f36de82e1278abb02f',
        'ipv4:203.0.113.7',
        'cve:CVE-2023-1234',
      ],
    );
  });
  // The timeout guards against a hang (backtracking patterns made this take minutes), not a speed goal.
  it('stays linear on huge, hostile strings (no catastrophic backtracking)', { timeout: 60_000 }, () => {
    for (const hostile of [
      'a.'.repeat(100_000) + '@',
      'a-'.repeat(100_000),
      `http://${'a'.repeat(100_000)}`,
      '1.'.repeat(100_000),
    ]) {
      assert.deepEqual(
        extractObservablesFromText(hostile).filter((o) => o.type === 'domain'),
        [],
      );
    }
  });
});
