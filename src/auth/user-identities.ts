import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { RiposteError } from '../core/riposte-error.ts';
import type { DatabaseSchema } from '../store/schema.ts';

/** An account's binding to a person at an OpenID provider (sso-accounts.ts makes them), as admins see it. */
export interface UserIdentity {
  issuer: string;
  /** The provider's `sub` for the person. */
  subject: string;
  /** The sign-in that bound it. */
  boundAt: string;
  /** The last single sign-on through it. */
  lastLoginAt: string;
}

/** Every account's bindings, by user id (an account has one per provider issuer; usually one or none). */
export async function identitiesByUser(db: Kysely<DatabaseSchema>): Promise<Map<string, UserIdentity[]>> {
  const rows = await db
    .selectFrom('user_identities')
    .selectAll()
    .orderBy('user_id')
    .orderBy('issuer')
    .execute();
  const byUser = new Map<string, UserIdentity[]>();
  for (const row of rows) {
    const list = byUser.get(row.user_id) ?? [];
    list.push({
      issuer: row.issuer,
      subject: row.subject,
      boundAt: row.created_at,
      lastLoginAt: row.last_login_at,
    });
    byUser.set(row.user_id, list);
  }
  return byUser;
}

/**
 * Unbinds an account from the people it is bound to at OpenID providers, and ends the sessions single
 * sign-on opened for it (its password sessions stay): whoever the provider vouches for next is
 * matched by username again, as at a first sign-in. Audited as `user.unlink_identity`.
 */
export async function unlinkIdentities(
  db: Kysely<DatabaseSchema>,
  audit: AuditLog,
  userId: string,
  actor: Actor,
): Promise<{ unbound: { issuer: string; subject: string }[]; sessionsEnded: number }> {
  return db.transaction().execute(async (trx) => {
    // Held to the commit: a sign-in through the binding in flight either commits first (and its
    // session is ended here) or finds the binding gone.
    const user = await trx
      .selectFrom('users')
      .select(['id', 'username'])
      .where('id', '=', userId)
      .forUpdate()
      .executeTakeFirst();
    if (!user) throw new RiposteError('not_found', `no user with id "${userId}"`);
    const unbound = await trx
      .deleteFrom('user_identities')
      .where('user_id', '=', userId)
      .returning(['issuer', 'subject'])
      .execute();
    if (unbound.length === 0)
      throw new RiposteError(
        'not_found',
        `the account "${user.username}" is not bound to anyone at an OpenID provider: there is nothing to unbind`,
      );
    const ended = await trx
      .deleteFrom('sessions')
      .where('user_id', '=', userId)
      .where('id_token', 'is not', null)
      .executeTakeFirst();
    const sessionsEnded = Number(ended.numDeletedRows);
    await audit.append(trx, [
      {
        actor,
        action: 'user.unlink_identity',
        targetType: 'user',
        targetId: userId,
        details: { username: user.username, identities: unbound, sessionsEnded },
      },
    ]);
    return { unbound, sessionsEnded };
  });
}
