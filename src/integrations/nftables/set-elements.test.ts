import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActionError } from '../../core/action.ts';
import { coveringElement, parseSetElements } from './set-elements.ts';

/** As nft 1.0.6 prints `nft -j list set` for a set with plain, timed, prefix and range elements. */
const LISTING = JSON.stringify({
  nftables: [
    { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } },
    {
      set: {
        family: 'inet',
        name: 'blocklist_v4',
        table: 'riposte',
        type: 'ipv4_addr',
        handle: 1,
        flags: ['interval', 'timeout'],
        elem: [
          '192.0.2.1',
          { elem: { val: '192.0.2.2', timeout: 600, expires: 598 } },
          { prefix: { addr: '10.0.0.0', len: 8 } },
          { range: ['11.0.0.1', '11.0.0.9'] },
          { elem: { val: { prefix: { addr: '172.16.0.0', len: 12 } }, timeout: 60, expires: 1 } },
        ],
      },
    },
  ],
});

describe('parseSetElements', () => {
  it('reads plain, timed, prefix and range elements', () => {
    assert.deepEqual(parseSetElements(LISTING, 'ipv4'), [
      { address: '192.0.2.1', family: 'ipv4', timeoutSeconds: null, expiresInSeconds: null },
      { address: '192.0.2.2', family: 'ipv4', timeoutSeconds: 600, expiresInSeconds: 598 },
      { address: '10.0.0.0/8', family: 'ipv4', timeoutSeconds: null, expiresInSeconds: null },
      { address: '11.0.0.1-11.0.0.9', family: 'ipv4', timeoutSeconds: null, expiresInSeconds: null },
      { address: '172.16.0.0/12', family: 'ipv4', timeoutSeconds: 60, expiresInSeconds: 1 },
    ]);
  });

  it('reads an empty set, and refuses output it does not understand', () => {
    const empty = JSON.stringify({ nftables: [{ metainfo: {} }, { set: { name: 's' } }] });
    assert.deepEqual(parseSetElements(empty, 'ipv6'), []);
    for (const text of [
      'not json',
      '{}',
      '{"nftables":[]}',
      '{"nftables":[{"set":{"elem":[{"concat":[]}]}}]}',
    ])
      assert.throws(
        () => parseSetElements(text, 'ipv4'),
        (error: unknown) => error instanceof ActionError && error.code === 'invalid_response',
        text,
      );
  });
});

describe('coveringElement', () => {
  const elements = parseSetElements(LISTING, 'ipv4');
  const covering = (ip: string) => coveringElement(elements, { ip, family: 'ipv4' })?.address ?? null;

  it('finds the element itself, or the prefix or range around the address', () => {
    assert.equal(covering('192.0.2.2'), '192.0.2.2');
    assert.equal(covering('10.200.3.4'), '10.0.0.0/8');
    assert.equal(covering('11.0.0.9'), '11.0.0.1-11.0.0.9');
    assert.equal(covering('172.31.255.255'), '172.16.0.0/12');
  });

  it('finds nothing for an address outside every element, or of the other family', () => {
    assert.equal(covering('192.0.2.3'), null);
    assert.equal(covering('11.0.0.10'), null);
    assert.equal(coveringElement(elements, { ip: '2001:db8::1', family: 'ipv6' }), null);
  });
});
