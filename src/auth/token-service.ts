import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { nowIso, nowMs } from '../core/clock.ts';
import { newId, newSecret } from '../core/ids.ts';
import { isRole, ROLES, type Role } from '../core/role.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { scopeProblem } from '../core/token-scope.ts';
import { hashToken } from '../security/token-hash.ts';
import type { ApiTokenTable, DatabaseSchema } from '../store/schema.ts';
import type { Principal } from './principal.ts';

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  /** Null: the role alone limits the token. */
  scopes: string[] | null;
}

function scopesOf(row: ApiTokenTable): string[] | null {
  return row.scopes ? (JSON.parse(row.scopes) as string[]) : null;
}

function toToken(row: ApiTokenTable): ApiToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    scopes: scopesOf(row),
  };
}

/** Service-account API tokens: `rpt_<id>.<secret>`, stored as a SHA-256 of the whole token. */
export class TokenService {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #audit: AuditLog;
  readonly #lastUsedWrites = new Map<string, number>();

  constructor(db: Kysely<DatabaseSchema>, audit: AuditLog) {
    this.#db = db;
    this.#audit = audit;
  }

  async create(
    input: { name: string; role: string; expiresAt?: string | null; scopes?: unknown },
    actor: Actor,
  ): Promise<{ token: string; info: ApiToken }> {
    if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > 128) {
      throw new RiposteError('validation_failed', 'name must be 1–128 characters', { path: '/name' });
    }
    if (typeof input.role !== 'string' || !isRole(input.role)) {
      throw new RiposteError('validation_failed', `role must be one of: ${ROLES.join(', ')}`, {
        path: '/role',
      });
    }
    let expiresAt: string | null = null;
    if (input.expiresAt !== undefined && input.expiresAt !== null) {
      const at = Date.parse(input.expiresAt);
      if (Number.isNaN(at) || at <= nowMs()) {
        throw new RiposteError('validation_failed', 'expiresAt must be an ISO 8601 time in the future', {
          path: '/expiresAt',
        });
      }
      expiresAt = new Date(at).toISOString();
    }
    let scopes: string[] | null = null;
    if (input.scopes !== undefined && input.scopes !== null) {
      if (!Array.isArray(input.scopes) || input.scopes.length === 0 || input.scopes.length > 50)
        throw new RiposteError('validation_failed', 'scopes must be a list of 1 to 50 scopes, or null', {
          path: '/scopes',
        });
      input.scopes.forEach((scope, index) => {
        const problem = scopeProblem(scope);
        if (problem !== null)
          throw new RiposteError('validation_failed', `scopes[${index}]: ${problem}`, {
            path: `/scopes/${index}`,
          });
      });
      scopes = [...new Set(input.scopes as string[])];
    }
    const id = newId('tok_');
    const token = `rpt_${id}.${newSecret()}`;
    const row: ApiTokenTable = {
      id,
      name: input.name,
      role: input.role,
      secret_hash: hashToken(token),
      created_by: actor.id,
      created_at: nowIso(),
      expires_at: expiresAt,
      revoked_at: null,
      last_used_at: null,
      scopes: scopes === null ? null : JSON.stringify(scopes),
    };
    await this.#db.transaction().execute(async (trx) => {
      await trx.insertInto('api_tokens').values(row).execute();
      await this.#audit.append(trx, [
        {
          actor,
          action: 'token.create',
          targetType: 'token',
          targetId: id,
          details: { name: row.name, role: row.role, expiresAt, scopes },
        },
      ]);
    });
    return { token, info: toToken(row) };
  }

  async list(): Promise<ApiToken[]> {
    return (await this.#db.selectFrom('api_tokens').selectAll().orderBy('id', 'desc').execute()).map(toToken);
  }

  async revoke(id: string, actor: Actor): Promise<ApiToken> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new RiposteError('not_found', `no token with id "${id}"`);
      const revokedAt = row.revoked_at ?? nowIso();
      await trx.updateTable('api_tokens').set({ revoked_at: revokedAt }).where('id', '=', id).execute();
      await this.#audit.append(trx, [{ actor, action: 'token.revoke', targetType: 'token', targetId: id }]);
      return toToken({ ...row, revoked_at: revokedAt });
    });
  }

  async principalForToken(token: string): Promise<Principal | undefined> {
    const row = await this.#db
      .selectFrom('api_tokens')
      .selectAll()
      .where('secret_hash', '=', hashToken(token))
      .executeTakeFirst();
    if (!row || row.revoked_at !== null) return undefined;
    const now = nowMs();
    if (row.expires_at !== null && Date.parse(row.expires_at) <= now) return undefined;
    // last_used_at is informational: write it at most once a minute per token, off the request's path.
    if (now - (this.#lastUsedWrites.get(row.id) ?? 0) > 60_000) {
      this.#lastUsedWrites.set(row.id, now);
      void this.#db
        .updateTable('api_tokens')
        .set({ last_used_at: new Date(now).toISOString() })
        .where('id', '=', row.id)
        .execute()
        .catch(() => undefined);
    }
    const scopes = scopesOf(row);
    return {
      kind: 'token',
      id: row.id,
      name: row.name,
      role: row.role as Role,
      ...(scopes === null ? {} : { scopes }),
    };
  }
}
