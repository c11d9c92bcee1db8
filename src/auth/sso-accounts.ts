import type { Kysely, Transaction } from 'kysely';
import type { AuditEntry, AuditLog } from '../audit/audit-log.ts';
import { nowIso } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import type { Role } from '../core/role.ts';
import type { DatabaseSchema, UserTable } from '../store/schema.ts';
import { ssoFailure } from './oidc/sso-failure.ts';
import { openSession } from './session-opening.ts';

/** Who the provider vouched for, and what the role mapping made of their groups. */
export interface SsoPerson {
  issuer: string;
  /** The provider's `sub`: unique and never reassigned at that issuer. */
  subject: string;
  username: string;
  /** The mapped role, or the default role; undefined when neither applies. */
  role: Role | undefined;
  /** Why `role` is undefined, for the refusal ("in none of the groups …"). */
  noRoleDetail: string;
  idToken: string;
}

export interface SsoPolicy {
  createUsers: boolean;
  updateRoles: boolean;
  /** The provider's name, as the console shows it. */
  providerName: string;
}

/** The password hash of an account single sign-on created: no password matches it. */
export const NO_PASSWORD = '!sso';

function uniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * The Riposte account of a person signing in through an OpenID provider. An account is bound to the
 * provider's identity (issuer and subject) at its first sign-in: found by that binding afterwards,
 * whatever the username claim says then. An unbound account whose username the claim names is
 * bound to it (an admin created it for this person); without one, an account is created with the
 * mapped role (just-in-time provisioning). Its role follows the mapping at each sign-in. The session
 * opens as a password login's does, in the same transaction, audited `auth.login` with method oidc.
 */
export class SsoAccounts {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #audit: AuditLog;
  readonly #sessionTtlSeconds: number;

  constructor(db: Kysely<DatabaseSchema>, audit: AuditLog, sessionTtlSeconds: number) {
    this.#db = db;
    this.#audit = audit;
    this.#sessionTtlSeconds = sessionTtlSeconds;
  }

  async signIn(
    person: SsoPerson,
    policy: SsoPolicy,
    ip: string | null,
  ): Promise<{ session: string; expiresAt: string; user: { id: string; username: string; role: Role } }> {
    const attempt = () => this.#db.transaction().execute((trx) => this.#signIn(trx, person, policy, ip));
    try {
      return await attempt();
    } catch (error) {
      // Two first sign-ins of one person at the same moment: the second finds what the first made.
      if (!uniqueViolation(error)) throw error;
      return attempt();
    }
  }

  /** Records a sign-in through a binding; false when the binding is no longer there. */
  async #touch(trx: Transaction<DatabaseSchema>, person: SsoPerson, userId: string, now: string) {
    const updated = await trx
      .updateTable('user_identities')
      .set({ last_login_at: now })
      .where('issuer', '=', person.issuer)
      .where('subject', '=', person.subject)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return updated.numUpdatedRows > 0n;
  }

  async #signIn(trx: Transaction<DatabaseSchema>, person: SsoPerson, policy: SsoPolicy, ip: string | null) {
    const now = nowIso();
    const actor = { id: person.username, type: 'user' as const, ip };
    const audits: AuditEntry[] = [];
    const bound = await trx
      .selectFrom('user_identities')
      .select('user_id')
      .where('issuer', '=', person.issuer)
      .where('subject', '=', person.subject)
      .executeTakeFirst();
    // Held to the commit, as a password login holds it: a disable committing meanwhile waits, then ends this session too.
    const byId = (id: string) => trx.selectFrom('users').selectAll().where('id', '=', id).forShare();
    let user: UserTable | undefined = bound ? await byId(bound.user_id).executeTakeFirst() : undefined;
    // An admin unbinding the account meanwhile (user-identities.ts) holds its row: once that commits,
    // the binding is gone, and this sign-in is matched by username as a first one is.
    if (user && !(await this.#touch(trx, person, user.id, now))) user = undefined;
    if (!user) {
      user = await trx
        .selectFrom('users')
        .selectAll()
        .where('username', '=', person.username)
        .forShare()
        .executeTakeFirst();
      if (user) {
        const other = await trx
          .selectFrom('user_identities')
          .select('subject')
          .where('user_id', '=', user.id)
          .where('issuer', '=', person.issuer)
          .executeTakeFirst();
        if (other)
          throw ssoFailure(
            'identity_conflict',
            `the Riposte account "${person.username}" belongs to another person at ${policy.providerName} (it is bound to a different subject); a username the provider now gives someone else cannot take it over — an admin can rename or disable one of them`,
          );
        audits.push({
          actor,
          action: 'user.link_identity',
          targetType: 'user',
          targetId: user.id,
          details: { issuer: person.issuer, subject: person.subject },
        });
      } else {
        if (!policy.createUsers)
          throw ssoFailure(
            'not_provisioned',
            `there is no Riposte account "${person.username}", and single sign-on does not create accounts here (RIPOSTE_OIDC_CREATE_USERS is off): ask an admin to create it`,
          );
        if (person.role === undefined) throw ssoFailure('no_role', person.noRoleDetail);
        user = {
          id: newId('user_'),
          username: person.username,
          password_hash: NO_PASSWORD,
          role: person.role,
          disabled: 0,
          created_at: now,
        };
        await trx.insertInto('users').values(user).execute();
        audits.push({
          actor,
          action: 'user.create',
          targetType: 'user',
          targetId: user.id,
          details: {
            username: user.username,
            role: user.role,
            via: 'oidc',
            issuer: person.issuer,
            subject: person.subject,
          },
        });
      }
      if (bound)
        await trx
          .deleteFrom('user_identities')
          .where('issuer', '=', person.issuer)
          .where('subject', '=', person.subject)
          .execute();
      await trx
        .insertInto('user_identities')
        .values({
          issuer: person.issuer,
          subject: person.subject,
          user_id: user.id,
          created_at: now,
          last_login_at: now,
        })
        .execute();
    }
    if (user.disabled === 1)
      throw ssoFailure(
        'disabled',
        `the Riposte account "${user.username}" is disabled; an admin can enable it under Settings → Users and roles`,
      );
    if (policy.updateRoles) {
      if (person.role === undefined) throw ssoFailure('no_role', person.noRoleDetail);
      if (person.role !== user.role) {
        await trx.updateTable('users').set({ role: person.role }).where('id', '=', user.id).execute();
        audits.push({
          actor,
          action: 'user.update',
          targetType: 'user',
          targetId: user.id,
          details: { role: person.role, previousRole: user.role, via: 'oidc' },
        });
        user = { ...user, role: person.role };
      }
    }
    await this.#audit.append(trx, audits);
    const opened = await openSession(trx, this.#audit, {
      user,
      ip,
      ttlSeconds: this.#sessionTtlSeconds,
      method: 'oidc',
      idToken: person.idToken,
      details: { issuer: person.issuer },
    });
    return { ...opened, user: { id: user.id, username: user.username, role: user.role as Role } };
  }
}
