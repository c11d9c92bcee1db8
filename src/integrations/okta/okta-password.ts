import { defineAction, type IntegrationContext } from '../sdk/integration.ts';
import { getUser, LifecycleOutput, UserInput, type OktaStatus } from './okta-user.ts';
import { oktaRequest } from './okta-request.ts';

const userTarget = (input: { user: string }) => ({ type: 'user' as const, value: input.user });

/**
 * A password lifecycle operation, sent unless the user already has the status it leads to, so a
 * retried step is only a lookup. Okta refuses what the user's status does not allow (E0000001).
 */
async function passwordOperation(
  context: IntegrationContext,
  input: UserInput,
  operation: 'expire_password' | 'reset_password',
  done: OktaStatus,
): Promise<LifecycleOutput> {
  const user = await getUser(context, input.user);
  const already = user.status === done;
  if (!already)
    await oktaRequest(context, {
      method: 'POST',
      path: `/api/v1/users/${encodeURIComponent(user.id)}/lifecycle/${operation}`,
      // Okta mails the one-time link to the user; with false it would hand it to us, and a reset
      // link is not something to keep in a run's output.
      ...(operation === 'reset_password' ? { query: { sendEmail: true } } : {}),
    });
  return { userId: user.id, login: user.login, previousStatus: user.status, requested: !already };
}

export const expirePassword = defineAction({
  name: 'expire_password',
  title: 'Expire a user’s password',
  description:
    'Sets the Okta user to PASSWORD_EXPIRED: the next sign-in must choose a new password. Whoever knows ' +
    'the current one can still sign in once to change it; reset_password does not leave that open.',
  effect: 'write',
  input: UserInput,
  output: LifecycleOutput,
  target: userTarget,
  alreadyApplied: async (input, context) =>
    (await getUser(context, input.user)).status === 'PASSWORD_EXPIRED',
  run: (input, context) => passwordOperation(context, input, 'expire_password', 'PASSWORD_EXPIRED'),
});

export const resetPassword = defineAction({
  name: 'reset_password',
  title: 'Reset a user’s password',
  description:
    'Puts the Okta user in RECOVERY and mails them a one-time reset link: the current password no longer ' +
    'signs in, and only the holder of the mailbox can set a new one.',
  effect: 'destructive',
  input: UserInput,
  output: LifecycleOutput,
  // The current password stops working: the credential is revoked, not only scheduled to change.
  react: 'RA4601',
  target: userTarget,
  alreadyApplied: async (input, context) => (await getUser(context, input.user)).status === 'RECOVERY',
  run: (input, context) => passwordOperation(context, input, 'reset_password', 'RECOVERY'),
});
