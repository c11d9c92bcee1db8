import type { Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit-log.ts';
import { nowDate } from '../core/clock.ts';
import { newSecret } from '../core/ids.ts';
import { hashToken } from '../security/token-hash.ts';
import type { DatabaseSchema } from '../store/schema.ts';

/** How a person proved who they are: their password, or single sign-on at an OpenID provider. */
export type LoginMethod = 'password' | 'oidc';

export interface SessionOpening {
  user: { id: string; username: string };
  ip: string | null;
  ttlSeconds: number;
  method: LoginMethod;
  /** Single sign-on: the ID token, kept as the hint the provider's logout takes. */
  idToken?: string;
  /** More for the audit row (the issuer of a single sign-on). */
  details?: Record<string, unknown>;
}

/**
 * Opens a login session in the caller's transaction, with its `auth.login` audit row: the one way a
 * password login and a single sign-on both end. Returns the secret for the session cookie.
 */
export async function openSession(
  trx: Transaction<DatabaseSchema>,
  audit: AuditLog,
  opening: SessionOpening,
): Promise<{ session: string; expiresAt: string }> {
  const session = `rss_${newSecret(32)}`;
  const now = nowDate();
  const expiresAt = new Date(now.getTime() + opening.ttlSeconds * 1000).toISOString();
  await trx
    .insertInto('sessions')
    .values({
      id_hash: hashToken(session),
      user_id: opening.user.id,
      expires_at: expiresAt,
      created_at: now.toISOString(),
      ip: opening.ip,
      ...(opening.idToken === undefined ? {} : { id_token: opening.idToken }),
    })
    .execute();
  await audit.append(trx, [
    {
      actor: { id: opening.user.username, type: 'user', ip: opening.ip },
      action: 'auth.login',
      targetType: 'user',
      targetId: opening.user.id,
      details: { method: opening.method, ...opening.details },
    },
  ]);
  return { session, expiresAt };
}
