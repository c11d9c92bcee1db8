import { defineAction } from '../sdk/integration.ts';
import {
  AccountInput,
  AccountStateOutput,
  changeAccount,
  userAlready,
  userTarget,
} from './account-action.ts';
import { ADMIN_LOCK } from './account-status.ts';

const LOCK = 'pwdAccountLockedTime';

/**
 * ppolicy's administrative lock: unlike the timestamp a failure lockout writes, it never expires
 * with `pwdLockoutDuration`, so a contained account stays contained until someone unlocks it.
 */
export const lockAccount = defineAction({
  name: 'lock_account',
  title: 'Lock a user account',
  description:
    'Locks the account with the password policy’s administrative lock (OpenLDAP ppolicy: pwdAccountLockedTime ' +
    `${ADMIN_LOCK}). Every bind fails until unlock_account; a failure lockout is replaced by this permanent one.`,
  effect: 'destructive',
  react: 'RA3601',
  input: AccountInput,
  output: AccountStateOutput,
  inverse: 'unlock_account',
  target: userTarget,
  timeoutMs: 30_000,
  // A failure lockout is not "already locked": it may expire on its own.
  alreadyApplied: userAlready([LOCK], (entry) => entry.first(LOCK) === ADMIN_LOCK),
  run: changeAccount([LOCK], () => ({ operation: 'replace', attribute: LOCK, values: [ADMIN_LOCK] })),
});

/** Deleting the lock also makes ppolicy drop the failure count (`pwdFailureTime`, not writable itself). */
export const unlockAccount = defineAction({
  name: 'unlock_account',
  title: 'Unlock a user account',
  description:
    'Removes the account’s lock, administrative or after failed logins (OpenLDAP ppolicy: deletes ' +
    'pwdAccountLockedTime; the server then clears the failed-login count).',
  effect: 'write',
  react: 'RA5601',
  input: AccountInput,
  output: AccountStateOutput,
  inverse: 'lock_account',
  target: userTarget,
  timeoutMs: 30_000,
  alreadyApplied: userAlready([LOCK], (entry) => entry.first(LOCK) === null),
  run: changeAccount([LOCK], (entry) =>
    entry.first(LOCK) === null ? null : { operation: 'delete', attribute: LOCK, values: [] },
  ),
});
