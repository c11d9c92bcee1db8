import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RiposteError } from '../core/riposte-error.ts';
import { LoginThrottle } from './login-throttle.ts';

describe('LoginThrottle', () => {
  it('refuses a username after the limit of failures, until the oldest ages out', () => {
    const throttle = new LoginThrottle(3, 60);
    for (let i = 0; i < 3; i++) throttle.failed('alice', '10.0.0.1', 1000 + i);
    assert.throws(
      () => throttle.check('alice', '10.0.0.9', 2000),
      (e: RiposteError) => e.code === 'rate_limited' && e.extra?.retryAfterSeconds === 59,
    );
    assert.doesNotThrow(() => throttle.check('alice', '10.0.0.9', 61_001));
  });

  it('refuses an address that guesses many usernames, at a higher limit than one user', () => {
    const throttle = new LoginThrottle(3, 60, 6);
    for (const user of ['a', 'b', 'c', 'e', 'f']) throttle.failed(user, '203.0.113.9', 1000);
    assert.doesNotThrow(() => throttle.check('d', '203.0.113.9', 1500));
    throttle.failed('g', '203.0.113.9', 1000);
    assert.throws(() => throttle.check('d', '203.0.113.9', 1500), /too many failed logins/);
    assert.doesNotThrow(() => throttle.check('d', '198.51.100.1', 1500));
  });

  it('a success clears the username', () => {
    const throttle = new LoginThrottle(2, 60);
    throttle.failed('bob', null, 1000);
    throttle.succeeded('bob');
    throttle.failed('bob', null, 1001);
    assert.doesNotThrow(() => throttle.check('bob', null, 1002));
  });
});
