import { Type, type Static } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { oktaRequest } from './okta-request.ts';

/** Okta's user statuses (Users API `status`). */
export const OKTA_STATUSES = [
  'STAGED',
  'PROVISIONED',
  'ACTIVE',
  'RECOVERY',
  'PASSWORD_EXPIRED',
  'LOCKED_OUT',
  'SUSPENDED',
  'DEPROVISIONED',
] as const;
export type OktaStatus = (typeof OKTA_STATUSES)[number];

export const UserInput = Type.Object(
  {
    user: Type.String({
      minLength: 1,
      maxLength: 256,
      // No slashes or dots-only values: the value becomes one path segment.
      pattern: '^(?!\\.{1,2}$)[^/\\\\?#\\s]+$',
      description: 'Okta user id, login (jdoe@example.com) or unambiguous login short name',
    }),
  },
  { additionalProperties: false },
);
export type UserInput = Static<typeof UserInput>;

const Status = Type.Union(OKTA_STATUSES.map((s) => Type.Literal(s)));

export const LifecycleOutput = Type.Object({
  userId: Type.String(),
  login: Type.String(),
  previousStatus: Status,
  /** False when the user already had the requested status: nothing was sent. */
  requested: Type.Boolean(),
});
export type LifecycleOutput = Static<typeof LifecycleOutput>;

interface OktaUser {
  id: string;
  login: string;
  status: OktaStatus;
}

/** `GET /api/v1/users/{id or login}`. */
export async function getUser(context: IntegrationContext, user: string): Promise<OktaUser> {
  const response = await oktaRequest(context, { path: `/api/v1/users/${encodeURIComponent(user)}` });
  const body = response.json<{ id?: unknown; status?: unknown; profile?: { login?: unknown } } | null>();
  const status = body?.status;
  if (typeof body?.id !== 'string' || !(OKTA_STATUSES as readonly unknown[]).includes(status))
    throw new ActionError('invalid_response', 'Okta answered a user without id or a known status', {
      retryable: false,
    });
  const login = typeof body.profile?.login === 'string' ? body.profile.login : user;
  return { id: body.id, login, status: status as OktaStatus };
}
