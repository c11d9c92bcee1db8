import { Type, type Static } from '@sinclair/typebox';
import type { IntegrationContext } from '../sdk/integration.ts';
import { defineAction, defineIntegration } from '../sdk/integration.ts';
import { expirePassword, resetPassword } from './okta-password.ts';
import { oktaRequest } from './okta-request.ts';
import { oktaLogFeed } from './okta-log-feed.ts';
import { getUser, LifecycleOutput, UserInput } from './okta-user.ts';

export { getUser, LifecycleOutput, OKTA_STATUSES, UserInput, type OktaStatus } from './okta-user.ts';

export const ClearSessionsInput = Type.Object(
  {
    user: UserInput.properties.user,
    revokeOAuthTokens: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Also revoke the OAuth access and refresh tokens issued to the user',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ClearSessionsInput = Static<typeof ClearSessionsInput>;

export const ClearSessionsOutput = Type.Object({
  userId: Type.String(),
  login: Type.String(),
  oauthTokensRevoked: Type.Boolean(),
});

/**
 * Suspends or unsuspends unless the user already has the resulting status, so a retried step sends
 * nothing twice. Any other status is Okta's to refuse (E0000001).
 */
async function lifecycle(
  context: IntegrationContext,
  input: UserInput,
  operation: 'suspend' | 'unsuspend',
): Promise<LifecycleOutput> {
  const user = await getUser(context, input.user);
  const done = user.status === (operation === 'suspend' ? 'SUSPENDED' : 'ACTIVE');
  if (!done)
    await oktaRequest(context, {
      method: 'POST',
      path: `/api/v1/users/${encodeURIComponent(user.id)}/lifecycle/${operation}`,
    });
  return { userId: user.id, login: user.login, previousStatus: user.status, requested: !done };
}

const userTarget = (input: { user: string }) => ({ type: 'user' as const, value: input.user });

export const okta = defineIntegration({
  id: 'okta',
  name: 'Okta',
  version: '1.0.0',
  categories: ['identity', 'response'],
  docs: 'https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserLifecycle/',
  // No vendor default: each org has its own URL; the instance's base_url is required (checked per call).
  baseUrl: '',
  credentials: [
    {
      name: 'api_token',
      label: 'API token',
      secret: true,
      required: true,
      description:
        'An SSWS API token of an admin allowed to manage users (Security → API → Tokens); reading the System Log (a pulled source) needs a read-only admin at least.',
    },
  ],
  auth: { kind: 'header', header: 'Authorization', field: 'api_token', prefix: 'SSWS ' },
  // The Users API's usual org-wide budget; the X-Rate-Limit-* headers of each answer are authoritative.
  rateLimit: { requests: 600, perSeconds: 60 },
  testConnection: async (context) => {
    await oktaRequest(context, { path: '/api/v1/users', query: { limit: 1 } });
  },
  actions: [
    defineAction({
      name: 'suspend_user',
      title: 'Suspend a user',
      description:
        'Suspends an active Okta user: they cannot sign in until unsuspended; their sessions stay until cleared.',
      effect: 'write',
      input: UserInput,
      output: LifecycleOutput,
      react: 'RA3601',
      target: userTarget,
      inverse: 'unsuspend_user',
      inverseInput: (_input, output) => ({ user: output.userId }),
      alreadyApplied: async (input, context) => (await getUser(context, input.user)).status === 'SUSPENDED',
      run: (input, context) => lifecycle(context, input, 'suspend'),
    }),
    defineAction({
      name: 'unsuspend_user',
      title: 'Unsuspend a user',
      description: 'Returns a suspended Okta user to ACTIVE.',
      effect: 'write',
      input: UserInput,
      output: LifecycleOutput,
      react: 'RA5601',
      target: userTarget,
      inverse: 'suspend_user',
      inverseInput: (_input, output) => ({ user: output.userId }),
      alreadyApplied: async (input, context) => (await getUser(context, input.user)).status === 'ACTIVE',
      run: (input, context) => lifecycle(context, input, 'unsuspend'),
    }),
    defineAction({
      name: 'clear_sessions',
      title: 'Clear a user’s sessions',
      description:
        'Ends every Okta session of the user (and, if asked, revokes their OAuth tokens): they must sign in again.',
      effect: 'destructive',
      input: ClearSessionsInput,
      output: ClearSessionsOutput,
      // Sessions and OAuth tokens are the credentials an attacker holds after sign-in.
      react: 'RA4601',
      target: userTarget,
      // A DELETE: a repeat clears nothing more. Okta exposes no per-user session list to check first.
      run: async (input, context) => {
        const user = await getUser(context, input.user);
        const revoke = input.revokeOAuthTokens === true;
        await oktaRequest(context, {
          method: 'DELETE',
          path: `/api/v1/users/${encodeURIComponent(user.id)}/sessions`,
          ...(revoke ? { query: { oauthTokens: true } } : {}),
        });
        return { userId: user.id, login: user.login, oauthTokensRevoked: revoke };
      },
    }),
    expirePassword,
    resetPassword,
  ],
  feed: oktaLogFeed,
});
