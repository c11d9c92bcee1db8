import { Type, type Static } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import { defineAction, type IntegrationContext } from '../sdk/integration.ts';
import { graphRequest } from './graph-request.ts';

export const ForcePasswordChangeInput = Type.Object(
  {
    user: Type.String({
      minLength: 1,
      maxLength: 256,
      pattern: '^[^/\\\\?#\\s]+$',
      description: 'The user’s object id or userPrincipalName (jdoe@contoso.com)',
    }),
    withMfa: Type.Optional(
      Type.Boolean({
        default: true,
        description:
          'Ask for multifactor authentication before the new password (forceChangePasswordNextSignInWithMfa), ' +
          'so that knowing the current password is not enough to choose the next one',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ForcePasswordChangeInput = Static<typeof ForcePasswordChangeInput>;

export const ForcePasswordChangeOutput = Type.Object({
  userId: Type.String(),
  userPrincipalName: Type.String(),
  withMfa: Type.Boolean(),
  /** False when the profile already asked for it: nothing was sent. */
  requested: Type.Boolean(),
});
export type ForcePasswordChangeOutput = Static<typeof ForcePasswordChangeOutput>;

interface Profile {
  id: string;
  userPrincipalName: string;
  force: boolean;
  forceWithMfa: boolean;
}

/** `passwordProfile` is only returned when selected; its `password` always reads null. */
async function readProfile(context: IntegrationContext, user: string): Promise<Profile> {
  const response = await graphRequest(context, {
    path: `/v1.0/users/${encodeURIComponent(user)}`,
    query: { $select: 'id,userPrincipalName,passwordProfile' },
  });
  const body = response.json<{
    id?: unknown;
    userPrincipalName?: unknown;
    passwordProfile?: {
      forceChangePasswordNextSignIn?: unknown;
      forceChangePasswordNextSignInWithMfa?: unknown;
    } | null;
  } | null>();
  if (typeof body?.id !== 'string')
    throw new ActionError('invalid_response', 'Microsoft Graph answered a user without id', {
      retryable: false,
    });
  return {
    id: body.id,
    userPrincipalName: typeof body.userPrincipalName === 'string' ? body.userPrincipalName : user,
    force: body.passwordProfile?.forceChangePasswordNextSignIn === true,
    forceWithMfa: body.passwordProfile?.forceChangePasswordNextSignInWithMfa === true,
  };
}

const applied = (profile: Profile, withMfa: boolean) =>
  withMfa ? profile.force && profile.forceWithMfa : profile.force;

export const forcePasswordChange = defineAction({
  name: 'force_password_change',
  title: 'Force a password change',
  description:
    'Sets passwordProfile.forceChangePasswordNextSignIn (and, by default, ...WithMfa): the user must choose a ' +
    'new password at the next sign-in, after MFA. Sessions stay open: revoke them too.',
  effect: 'write',
  input: ForcePasswordChangeInput,
  output: ForcePasswordChangeOutput,
  target: (input) => ({ type: 'user', value: input.user }),
  alreadyApplied: async (input, context) =>
    applied(await readProfile(context, input.user), input.withMfa !== false),
  run: async (input, context) => {
    const withMfa = input.withMfa !== false;
    const profile = await readProfile(context, input.user);
    const done = applied(profile, withMfa);
    if (!done)
      await graphRequest(context, {
        method: 'PATCH',
        path: `/v1.0/users/${encodeURIComponent(profile.id)}`,
        json: {
          passwordProfile: {
            forceChangePasswordNextSignIn: true,
            ...(withMfa ? { forceChangePasswordNextSignInWithMfa: true } : {}),
          },
        },
      });
    return { userId: profile.id, userPrincipalName: profile.userPrincipalName, withMfa, requested: !done };
  },
});
