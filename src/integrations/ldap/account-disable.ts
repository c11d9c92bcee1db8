import { type Static, Type } from '@sinclair/typebox';
import { defineAction } from '../sdk/integration.ts';
import {
  AccountInput,
  AccountStateOutput,
  accountState,
  changeAccount,
  requireUser,
  userAlready,
  userTarget,
} from './account-action.ts';
import { endTimePassed, formatGeneralizedTime, parseGeneralizedTime } from './account-status.ts';
import { withDirectory } from './directory-session.ts';
import { Nullable } from './lookup-user.ts';

/**
 * ppolicy's `pwdEndTime` (OpenLDAP 2.5+): after it, the server refuses every bind. It is the
 * disable marker because it is enforced by the server and distinct from the lock: unlocking a
 * disabled account leaves it disabled, and the reader tells the two apart.
 */
const END = 'pwdEndTime';
const GeneralizedTime = Type.String({ pattern: '^[0-9]{14}(\\.[0-9]+)?Z$' });

export const DisableAccountOutput = Type.Composite([
  AccountStateOutput,
  /** An end date the account had before (a contractor's last day), put back by enable_account. */
  Type.Object({ previous_end_time: Nullable(Type.String()) }),
]);

export const EnableAccountInput = Type.Composite(
  [
    AccountInput,
    Type.Object({
      /** GeneralizedTime to restore as the account's future end date instead of removing it. */
      end_time: Type.Optional(GeneralizedTime),
    }),
  ],
  { additionalProperties: false },
);

export const disableAccount = defineAction({
  name: 'disable_account',
  title: 'Disable a user account',
  description:
    'Disables the account from now on (OpenLDAP ppolicy: pwdEndTime set to the current time); every bind ' +
    'fails until enable_account. A future end date the account had is kept for enable_account to restore.',
  effect: 'destructive',
  react: 'RA3601',
  input: AccountInput,
  output: DisableAccountOutput,
  inverse: 'enable_account',
  target: userTarget,
  inverseInput: (input, output) => ({
    username: input.username,
    ...(output.previous_end_time ? { end_time: output.previous_end_time } : {}),
  }),
  timeoutMs: 30_000,
  alreadyApplied: userAlready([END], (entry, now) => endTimePassed(entry, now) !== null),
  run: (input, context) =>
    withDirectory(context.fields, context.signal, async (directory) => {
      const entry = await requireUser(directory, input.username, [END]);
      const now = new Date();
      const previous = endTimePassed(entry, now) ? null : entry.first(END);
      // Replacing is idempotent: a retry moves the end a few seconds, the account stays disabled.
      await directory.modify(entry.dn, {
        operation: 'replace',
        attribute: END,
        values: [formatGeneralizedTime(now)],
      });
      return { ...(await accountState(directory, entry.dn)), previous_end_time: previous };
    }),
});

export const enableAccount = defineAction({
  name: 'enable_account',
  title: 'Enable a disabled user account',
  description:
    'Undoes disable_account: removes the passed end time (pwdEndTime), or puts back the future one given as ' +
    'end_time. Locks and other ways an account can be disabled are left as they are.',
  effect: 'write',
  react: 'RA5601',
  input: EnableAccountInput,
  output: AccountStateOutput,
  inverse: 'disable_account',
  target: userTarget,
  timeoutMs: 30_000,
  alreadyApplied: userAlready([END], (entry, now) => endTimePassed(entry, now) === null),
  run: changeAccount([END], (entry, now, input: Static<typeof EnableAccountInput>) => {
    if (!endTimePassed(entry, now)) return null;
    const restore = input.end_time;
    // An end time already past would disable the account again: then it is removed instead.
    return restore && (parseGeneralizedTime(restore)?.getTime() ?? 0) > now.getTime()
      ? { operation: 'replace', attribute: END, values: [restore] }
      : { operation: 'delete', attribute: END, values: [] };
  }),
});
