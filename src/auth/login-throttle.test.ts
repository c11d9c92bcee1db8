import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RiposteError } from '../core/riposte-error.ts';
import { LoginThrottle } from './login-throttle.ts';

describe('LoginThrottle', () => {
  it('refuses a username after the limit of failures, until the oldest ages out', () => {
    const throttle = new LoginThrottle(3, 60);
    for (let i = 0; i < 3; i++) throttle.begin('alice', '10.0.0.1', 1000 + i);
    assert.throws(
      () => throttle.begin('alice', '10.0.0.9', 2000),
      (e: RiposteError) => e.code === 'rate_limited' && e.extra?.retryAfterSeconds === 59,
    );
    assert.doesNotThrow(() => throttle.begin('alice', '10.0.0.9', 61_001));
  });

  it('counts an attempt from its start, so guesses in flight together stop at the limit', () => {
    const throttle = new LoginThrottle(3, 60);
    // None of them has been answered yet: no succeeded(), no failure reported.
    for (const i of [0, 1, 2]) throttle.begin('carol', `10.0.0.${i}`, 1000);
    assert.throws(() => throttle.begin('carol', '10.0.0.9', 1000), /too many failed logins/);
  });

  it('refuses an address that guesses many usernames, at a higher limit than one user', () => {
    const throttle = new LoginThrottle(3, 60, 6);
    for (const user of ['a', 'b', 'c', 'e', 'f']) throttle.begin(user, '203.0.113.9', 1000);
    assert.doesNotThrow(() => throttle.begin('d', '203.0.113.9', 1500).succeeded());
    throttle.begin('g', '203.0.113.9', 1000);
    assert.throws(() => throttle.begin('d', '203.0.113.9', 1500), /too many failed logins/);
    assert.doesNotThrow(() => throttle.begin('d', '198.51.100.1', 1500));
  });

  it('a success clears the username and takes its own attempt back from the address', () => {
    const throttle = new LoginThrottle(2, 60, 2);
    throttle.begin('bob', '10.1.0.1', 1000);
    throttle.begin('bob', '10.1.0.1', 1001).succeeded();
    throttle.begin('bob', '10.1.0.2', 1002);
    assert.doesNotThrow(() => throttle.begin('bob', '10.1.0.2', 1003));
    // The address saw one failure and one success: one attempt left in its window before this one.
    assert.doesNotThrow(() => throttle.begin('erin', '10.1.0.1', 1004));
    assert.throws(() => throttle.begin('fred', '10.1.0.1', 1005), /too many failed logins/);
  });
});
