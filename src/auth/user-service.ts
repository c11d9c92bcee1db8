import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { nowIso } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import { isRole, ROLES, type Role } from '../core/role.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { hashPassword, passwordProblem, verifyPassword } from '../security/password.ts';
import { hashToken } from '../security/token-hash.ts';
import type { DatabaseSchema, UserTable } from '../store/schema.ts';
import { LoginThrottle } from './login-throttle.ts';
import type { AttemptWindows } from '../limits/attempt-windows.ts';
import type { Principal } from './principal.ts';
import { openSession } from './session-opening.ts';
import { identitiesByUser, unlinkIdentities, type UserIdentity } from './user-identities.ts';

export interface User {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
}

export const USERNAME = /^[a-zA-Z0-9][a-zA-Z0-9._@-]{0,127}$/;
// A hash to compare against when the user does not exist, so timing does not reveal usernames;
// computed on first use, not at import.
let dummyHash: Promise<string> | undefined;
const timingEqualizer = () => (dummyHash ??= hashPassword('riposte-timing-equalizer'));

function toUser(row: UserTable): User {
  return {
    id: row.id,
    username: row.username,
    role: row.role as Role,
    disabled: row.disabled === 1,
    createdAt: row.created_at,
  };
}

/** People, their passwords and login sessions. */
export class UserService {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #audit: AuditLog;
  readonly #throttle: LoginThrottle;
  readonly #sessionTtlSeconds: number;

  /** `loginAttempts`: where the login throttle counts failures (Redis, shared by the deployment, or this process). */
  constructor(
    db: Kysely<DatabaseSchema>,
    audit: AuditLog,
    sessionTtlSeconds: number,
    loginAttempts?: AttemptWindows,
  ) {
    this.#db = db;
    this.#audit = audit;
    this.#sessionTtlSeconds = sessionTtlSeconds;
    this.#throttle = new LoginThrottle(loginAttempts ? { windows: loginAttempts } : {});
  }

  async create(input: { username: string; role: string; password: string }, actor: Actor): Promise<User> {
    if (typeof input.username !== 'string' || !USERNAME.test(input.username)) {
      throw new RiposteError(
        'validation_failed',
        'username must be 1–128 letters, digits, ".", "_", "@" or "-"',
        { path: '/username' },
      );
    }
    if (typeof input.role !== 'string' || !isRole(input.role)) {
      throw new RiposteError('validation_failed', `role must be one of: ${ROLES.join(', ')}`, {
        path: '/role',
      });
    }
    const problem =
      typeof input.password === 'string' ? passwordProblem(input.password) : 'a password is required';
    if (problem) throw new RiposteError('validation_failed', problem, { path: '/password' });
    const row: UserTable = {
      id: newId('user_'),
      username: input.username,
      password_hash: await hashPassword(input.password),
      role: input.role,
      disabled: 0,
      created_at: nowIso(),
    };
    await this.#db.transaction().execute(async (trx) => {
      const taken = await trx
        .selectFrom('users')
        .select('id')
        .where('username', '=', input.username)
        .executeTakeFirst();
      if (taken)
        throw new RiposteError('conflict', `the username "${input.username}" is taken`, {
          path: '/username',
        });
      await trx.insertInto('users').values(row).execute();
      await this.#audit.append(trx, [
        {
          actor,
          action: 'user.create',
          targetType: 'user',
          targetId: row.id,
          details: { username: row.username, role: row.role },
        },
      ]);
    });
    return toUser(row);
  }

  /** An enabled user by username (signed approval links act for them). */
  async findActive(username: string): Promise<{ username: string; role: string } | undefined> {
    return this.#db
      .selectFrom('users')
      .select(['username', 'role'])
      .where('username', '=', username)
      .where('disabled', '=', 0)
      .executeTakeFirst();
  }

  /** Everyone, with the identities at OpenID providers each account is bound to. */
  async list(): Promise<(User & { identities: UserIdentity[] })[]> {
    const rows = await this.#db.selectFrom('users').selectAll().orderBy('username').execute();
    const identities = await identitiesByUser(this.#db);
    return rows.map((row) => ({ ...toUser(row), identities: identities.get(row.id) ?? [] }));
  }

  /** Unbinds an account from its single sign-on identities and ends the sessions they opened. */
  unlinkIdentity(
    id: string,
    actor: Actor,
  ): Promise<{ unbound: { issuer: string; subject: string }[]; sessionsEnded: number }> {
    return unlinkIdentities(this.#db, this.#audit, id, actor);
  }

  async update(
    id: string,
    patch: { role?: string; disabled?: boolean; password?: string },
    actor: Actor,
  ): Promise<User> {
    const set: Partial<UserTable> = {};
    if (patch.role !== undefined) {
      if (!isRole(patch.role))
        throw new RiposteError('validation_failed', `role must be one of: ${ROLES.join(', ')}`, {
          path: '/role',
        });
      set.role = patch.role;
    }
    if (patch.disabled !== undefined) set.disabled = patch.disabled ? 1 : 0;
    if (patch.password !== undefined) {
      const problem = passwordProblem(patch.password);
      if (problem) throw new RiposteError('validation_failed', problem, { path: '/password' });
      set.password_hash = await hashPassword(patch.password);
    }
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new RiposteError('not_found', `no user with id "${id}"`);
      if (Object.keys(set).length > 0) await trx.updateTable('users').set(set).where('id', '=', id).execute();
      if (set.disabled === 1 || set.password_hash)
        await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
      await this.#audit.append(trx, [
        {
          actor,
          action: 'user.update',
          targetType: 'user',
          targetId: id,
          details: {
            role: patch.role,
            disabled: patch.disabled,
            passwordChanged: patch.password !== undefined,
          },
        },
      ]);
      return toUser({ ...row, ...set });
    });
  }

  /** Checks a password and opens a session; returns the session secret for the cookie. */
  async login(
    username: string,
    password: string,
    ip: string | null,
  ): Promise<{ session: string; user: User; expiresAt: string }> {
    const attempt = await this.#throttle.begin(username, ip);
    const row = await this.#db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    // An account without a password (single sign-on made it) takes as long to refuse as a wrong one.
    const ok =
      row && row.password_hash.startsWith('scrypt$')
        ? await verifyPassword(password, row.password_hash)
        : (await verifyPassword(password, await timingEqualizer()), false);
    if (!row || !ok || row.disabled === 1) {
      await this.#audit.write(this.#db, [
        {
          actor: { id: username.slice(0, 128), type: 'user', ip },
          action: 'auth.login_failed',
          targetType: 'user',
          targetId: row?.id,
        },
      ]);
      throw new RiposteError(
        'invalid_credentials',
        'the username or password is wrong, or the account is disabled',
      );
    }
    await attempt.succeeded();
    const { session, expiresAt } = await this.#db.transaction().execute(async (trx) => {
      // The password was checked outside this transaction (scrypt is slow): a reset or a disable that
      // committed since must win, and one that commits while this runs must end this session too, so
      // the row is held to the commit (such a change then waits, and deletes this session with the rest).
      const current = trx
        .selectFrom('users')
        .select(['password_hash', 'disabled'])
        .where('id', '=', row.id)
        .forShare();
      const stored = await current.executeTakeFirst();
      if (!stored || stored.password_hash !== row.password_hash || stored.disabled === 1)
        throw new RiposteError(
          'invalid_credentials',
          'the username or password is wrong, or the account is disabled',
        );
      return openSession(trx, this.#audit, {
        user: row,
        ip,
        ttlSeconds: this.#sessionTtlSeconds,
        method: 'password',
      });
    });
    return { session, user: toUser(row), expiresAt };
  }

  /** Ends a session; returns the ID token a single sign-on opened it with (the provider's logout hint). */
  async logout(session: string): Promise<{ idToken: string | null }> {
    const row = await this.#db
      .deleteFrom('sessions')
      .where('id_hash', '=', hashToken(session))
      .returning('id_token')
      .executeTakeFirst();
    return { idToken: row?.id_token ?? null };
  }

  async principalForSession(session: string): Promise<Principal | undefined> {
    const row = await this.#db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select(['u.id', 'u.username', 'u.role', 'u.disabled', 's.expires_at'])
      .where('s.id_hash', '=', hashToken(session))
      .executeTakeFirst();
    if (!row || row.disabled === 1 || row.expires_at <= nowIso()) return undefined;
    return { kind: 'user', id: row.id, name: row.username, role: row.role as Role };
  }
}
