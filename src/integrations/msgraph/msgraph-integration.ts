import { Type, type Static } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { defineAction, defineIntegration } from '../sdk/integration.ts';
import { ENTRA_CREDENTIALS } from '../sdk/entra-session.ts';
import { graphRequest } from './graph-request.ts';
import { deleteMessage } from './delete-message.ts';
import { forcePasswordChange } from './force-password-change.ts';
import { DEFAULT_QUARANTINE_FOLDER } from './quarantine-folder.ts';
import { quarantineMessage } from './quarantine-message.ts';
import { releaseMessage } from './release-message.ts';
import { searchMessages } from './search-messages.ts';

export const UserInput = Type.Object(
  {
    user: Type.String({
      minLength: 1,
      maxLength: 256,
      // One path segment: no slashes, query or fragment characters.
      pattern: '^[^/\\\\?#\\s]+$',
      description: 'The user’s object id or userPrincipalName (jdoe@contoso.com)',
    }),
  },
  { additionalProperties: false },
);
export type UserInput = Static<typeof UserInput>;

export const AccountOutput = Type.Object({
  userId: Type.String(),
  userPrincipalName: Type.String(),
  previousAccountEnabled: Type.Boolean(),
  /** False when the account already had the requested state: nothing was sent. */
  requested: Type.Boolean(),
});
export type AccountOutput = Static<typeof AccountOutput>;

export const RevokeOutput = Type.Object({ userId: Type.String(), userPrincipalName: Type.String() });

interface GraphUser {
  id: string;
  userPrincipalName: string;
  accountEnabled: boolean;
}

const userPath = (user: string) => `/v1.0/users/${encodeURIComponent(user)}`;

/** `GET /v1.0/users/{id|upn}?$select=id,userPrincipalName,accountEnabled`. */
export async function getUser(context: IntegrationContext, user: string): Promise<GraphUser> {
  const response = await graphRequest(context, {
    path: userPath(user),
    query: { $select: 'id,userPrincipalName,accountEnabled' },
  });
  const body = response.json<Partial<GraphUser> | null>();
  if (typeof body?.id !== 'string' || typeof body.accountEnabled !== 'boolean')
    throw new ActionError(
      'invalid_response',
      'Microsoft Graph answered a user without id or accountEnabled',
      {
        retryable: false,
      },
    );
  return {
    id: body.id,
    userPrincipalName: body.userPrincipalName ?? user,
    accountEnabled: body.accountEnabled,
  };
}

/** Sets `accountEnabled` unless it already has that value, so a retried step sends nothing twice. */
async function setEnabled(
  context: IntegrationContext,
  input: UserInput,
  enabled: boolean,
): Promise<AccountOutput> {
  const user = await getUser(context, input.user);
  const done = user.accountEnabled === enabled;
  if (!done)
    await graphRequest(context, {
      method: 'PATCH',
      path: userPath(user.id),
      json: { accountEnabled: enabled },
    });
  return {
    userId: user.id,
    userPrincipalName: user.userPrincipalName,
    previousAccountEnabled: user.accountEnabled,
    requested: !done,
  };
}

const userTarget = (input: UserInput) => ({ type: 'user' as const, value: input.user });

export const msgraph = defineIntegration({
  id: 'msgraph',
  name: 'Microsoft Graph (Entra ID users, Exchange Online mail)',
  version: '1.0.0',
  categories: ['identity', 'email', 'response'],
  docs: 'https://learn.microsoft.com/graph/api/resources/user',
  baseUrl: 'https://graph.microsoft.com',
  credentials: [
    ...ENTRA_CREDENTIALS.map((c) =>
      c.name === 'client_id'
        ? {
            ...c,
            description:
              'An app registration granted User.ReadWrite.All and User.RevokeSessions.All (application), User-PasswordProfile.ReadWrite.All with the User Administrator role for force_password_change, and Mail.ReadWrite for the mail actions',
          }
        : c,
    ),
    {
      name: 'quarantine_folder',
      label: 'Quarantine folder',
      secret: false,
      required: false,
      default: DEFAULT_QUARANTINE_FOLDER,
      description:
        'Display name of the folder, under each mailbox root, that quarantine_message moves mail into',
    },
  ],
  // The bearer token is the connector's own (client credentials, see entra-session.ts).
  auth: { kind: 'none' },
  // Kept well below the directory's per-tenant throttling; Graph's 429 Retry-After still governs.
  rateLimit: { requests: 100, perSeconds: 10 },
  testConnection: async (context) => {
    await graphRequest(context, { path: '/v1.0/users', query: { $top: 1, $select: 'id' } });
  },
  actions: [
    defineAction({
      name: 'disable_account',
      title: 'Disable an account',
      description:
        'Sets accountEnabled to false: the user can no longer sign in (existing tokens live until revoked).',
      effect: 'write',
      input: UserInput,
      output: AccountOutput,
      react: 'RA3601',
      target: userTarget,
      inverse: 'enable_account',
      inverseInput: (_input, output) => ({ user: output.userId }),
      alreadyApplied: async (input, context) => !(await getUser(context, input.user)).accountEnabled,
      run: (input, context) => setEnabled(context, input, false),
    }),
    defineAction({
      name: 'enable_account',
      title: 'Enable an account',
      description: 'Sets accountEnabled to true.',
      effect: 'write',
      input: UserInput,
      output: AccountOutput,
      react: 'RA5601',
      target: userTarget,
      inverse: 'disable_account',
      inverseInput: (_input, output) => ({ user: output.userId }),
      alreadyApplied: async (input, context) => (await getUser(context, input.user)).accountEnabled,
      run: (input, context) => setEnabled(context, input, true),
    }),
    defineAction({
      name: 'revoke_sessions',
      title: 'Revoke sign-in sessions',
      description:
        'Invalidates the user’s refresh tokens and session cookies (revokeSignInSessions): every app asks them to sign in again.',
      effect: 'destructive',
      input: UserInput,
      output: RevokeOutput,
      react: 'RA4601',
      target: userTarget,
      // Repeating it only moves signInSessionsValidFromDateTime again: harmless, so no check first.
      run: async (input, context) => {
        const user = await getUser(context, input.user);
        const response = await graphRequest(context, {
          method: 'POST',
          path: `${userPath(user.id)}/revokeSignInSessions`,
        });
        if (response.json<{ value?: unknown }>().value !== true)
          throw new ActionError('invalid_response', 'Microsoft Graph did not confirm the revocation', {
            retryable: true,
          });
        return { userId: user.id, userPrincipalName: user.userPrincipalName };
      },
    }),
    forcePasswordChange,
    searchMessages,
    quarantineMessage,
    releaseMessage,
    deleteMessage,
  ],
});
