import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActionError } from '../../core/action.ts';
import { blockableAddress } from './blockable-address.ts';

describe('blockableAddress', () => {
  it('keeps IPv4 as given and writes IPv6 the way nft lists it', () => {
    assert.deepEqual(blockableAddress(' 203.0.113.9 '), { ip: '203.0.113.9', family: 'ipv4' });
    assert.deepEqual(blockableAddress('2001:0DB8:0000:0000:0000:0000:0000:0001'), {
      ip: '2001:db8::1',
      family: 'ipv6',
    });
    assert.deepEqual(blockableAddress('2001:db8:0:1:0:0:0:0'), { ip: '2001:db8:0:1::', family: 'ipv6' });
  });

  it('refuses what is not one address, and addresses that would cut the host off from itself', () => {
    for (const value of [
      '',
      '1.2.3',
      '01.2.3.4',
      '1.2.3.4/32',
      '1.2.3.4-1.2.3.9',
      '1.2.3.4 }; flush ruleset',
      'example.com',
      'fe80::1%eth0',
      '::ffff:1.2.3.4',
      '127.0.0.53',
      '0.0.0.0',
      '255.255.255.255',
      '::',
      '0:0:0:0:0:0:0:1',
      42,
      null,
    ]) {
      assert.throws(
        () => blockableAddress(value),
        (error: unknown) =>
          error instanceof ActionError && error.code === 'invalid_input' && !error.retryable,
        JSON.stringify(value),
      );
    }
  });
});
