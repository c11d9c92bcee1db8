import { Type } from '@sinclair/typebox';
import { defineAction } from '../sdk/integration.ts';
import { AccountInput, requireUser, userAlready, userTarget } from './account-action.ts';
import { withDirectory } from './directory-session.ts';

const RESET = 'pwdReset';
const isReset = (value: string | null) => value?.toUpperCase() === 'TRUE';

/**
 * ppolicy's `pwdReset: TRUE`: with `pwdMustChange: TRUE` in the user's policy, a bind still
 * succeeds but the session may do nothing except change the password. The current password is
 * not revoked: whoever knows it can still pick the new one (see README).
 */
export const forcePasswordReset = defineAction({
  name: 'force_password_reset',
  title: 'Force a password change',
  description:
    'Makes the user change their password at the next login (OpenLDAP ppolicy: pwdReset TRUE; needs ' +
    'pwdMustChange TRUE in the password policy). The current password keeps working for that change.',
  effect: 'write',
  input: AccountInput,
  output: Type.Object({ dn: Type.String(), must_change_password: Type.Boolean() }),
  target: userTarget,
  timeoutMs: 30_000,
  alreadyApplied: userAlready([RESET], (entry) => isReset(entry.first(RESET))),
  run: (input, context) =>
    withDirectory(context.fields, context.signal, async (directory) => {
      const entry = await requireUser(directory, input.username, [RESET]);
      if (!isReset(entry.first(RESET)))
        await directory.modify(entry.dn, { operation: 'replace', attribute: RESET, values: ['TRUE'] });
      const after = await directory.read(entry.dn, [RESET]);
      return { dn: entry.dn, must_change_password: isReset(after?.first(RESET) ?? null) };
    }),
});
