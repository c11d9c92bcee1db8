import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { nowIso } from '../core/clock.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { checkAlertLimit } from '../core/alert-limit.ts';
import { openDatabase } from '../store/database.ts';
import type { DatabaseSchema, TenantTable } from '../store/schema.ts';

export type TenantStatus = TenantTable['status'];

export interface Tenant {
  slug: string;
  name: string;
  status: TenantStatus;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  /** Alerts a minute all its sources together may send, per process (null: no limit). */
  alertLimitPerMinute: number | null;
}

function toTenant(row: TenantTable): Tenant {
  return {
    slug: row.slug,
    name: row.name,
    status: row.status,
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
    alertLimitPerMinute: row.alert_limit_per_minute === null ? null : Number(row.alert_limit_per_minute),
  };
}

/** The longest display name of a tenant. */
const NAME_MAX = 200;

export function tenantNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.trim() === '') return 'a name is required';
  if (name.length > NAME_MAX) return `the name is longer than ${NAME_MAX} characters`;
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'the name has control characters';
  return undefined;
}

/**
 * The list of tenants, kept in the main installation's database; every change audited there. It
 * knows the tenants, never their data: that is in each tenant's own database.
 */
export class TenantRegistry {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #audit: AuditLog;

  constructor(db: Kysely<DatabaseSchema>, audit: AuditLog) {
    this.#db = db;
    this.#audit = audit;
  }

  async list(): Promise<Tenant[]> {
    const rows = await this.#db.selectFrom('tenants').selectAll().orderBy('slug').execute();
    return rows.map(toTenant);
  }

  async get(slug: string): Promise<Tenant | undefined> {
    const row = await this.#db.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst();
    return row ? toTenant(row) : undefined;
  }

  async require(slug: string): Promise<Tenant> {
    const tenant = await this.get(slug);
    if (!tenant) throw new RiposteError('not_found', `no tenant "${slug}"`, { path: '/slug' });
    return tenant;
  }

  /** Claims the slug for a tenant being provisioned (its database does not exist yet). */
  async claim(slug: string, name: string, actor: Actor): Promise<Tenant> {
    const at = nowIso();
    const row: TenantTable = {
      slug,
      name: name.trim(),
      status: 'provisioning',
      created_at: at,
      created_by: actor.id,
      updated_at: at,
      alert_limit_per_minute: null,
    };
    const inserted = await this.#db
      .insertInto('tenants')
      .values(row)
      .onConflict((c) => c.column('slug').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0)
      throw new RiposteError('conflict', `the tenant "${slug}" exists`, { path: '/slug' });
    return toTenant(row);
  }

  /** The tenant's database is ready: it is served from now on. Audited as its creation. */
  async activate(slug: string, actor: Actor, details: Record<string, unknown>): Promise<Tenant> {
    return this.#db.transaction().execute(async (trx) => {
      const at = nowIso();
      await trx
        .updateTable('tenants')
        .set({ status: 'active', updated_at: at })
        .where('slug', '=', slug)
        .where('status', '=', 'provisioning')
        .execute();
      const row = await trx
        .selectFrom('tenants')
        .selectAll()
        .where('slug', '=', slug)
        .executeTakeFirstOrThrow();
      await this.#audit.append(trx, [
        {
          actor,
          action: 'tenant.create',
          targetType: 'tenant',
          targetId: slug,
          details: { name: row.name, ...details },
        },
      ]);
      return toTenant(row);
    });
  }

  /** A provisioning that failed gives its slug back. */
  async release(slug: string): Promise<void> {
    await this.#db
      .deleteFrom('tenants')
      .where('slug', '=', slug)
      .where('status', '=', 'provisioning')
      .execute();
  }

  /** Stops or resumes serving a tenant (its data is kept). */
  async setDisabled(slug: string, disabled: boolean, actor: Actor): Promise<Tenant> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst();
      if (!row) throw new RiposteError('not_found', `no tenant "${slug}"`, { path: '/slug' });
      if (row.status === 'provisioning')
        throw new RiposteError('invalid_state', `the tenant "${slug}" is still being provisioned`);
      const status: TenantStatus = disabled ? 'disabled' : 'active';
      if (row.status === status) return toTenant(row);
      const at = nowIso();
      await trx.updateTable('tenants').set({ status, updated_at: at }).where('slug', '=', slug).execute();
      await this.#audit.append(trx, [
        {
          actor,
          action: disabled ? 'tenant.disable' : 'tenant.enable',
          targetType: 'tenant',
          targetId: slug,
        },
      ]);
      return toTenant({ ...row, status, updated_at: at });
    });
  }

  /** Sets the alerts a minute all the tenant's sources together may send (null: no limit). */
  async setAlertLimit(slug: string, limit: unknown, actor: Actor): Promise<Tenant> {
    const perMinute = checkAlertLimit(limit);
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst();
      if (!row) throw new RiposteError('not_found', `no tenant "${slug}"`, { path: '/slug' });
      const at = nowIso();
      await trx
        .updateTable('tenants')
        .set({ alert_limit_per_minute: perMinute, updated_at: at })
        .where('slug', '=', slug)
        .execute();
      await this.#audit.append(trx, [
        {
          actor,
          action: 'tenant.update',
          targetType: 'tenant',
          targetId: slug,
          details: { alertLimitPerMinute: perMinute },
        },
      ]);
      return toTenant({ ...row, alert_limit_per_minute: perMinute, updated_at: at });
    });
  }

  /**
   * Forgets a disabled tenant (its database is dropped by the caller first). A tenant still served
   * must be disabled first, so that nothing is writing to what is about to go.
   */
  async remove(slug: string, actor: Actor): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst();
      if (!row) throw new RiposteError('not_found', `no tenant "${slug}"`, { path: '/slug' });
      await trx.deleteFrom('tenants').where('slug', '=', slug).execute();
      await this.#audit.append(trx, [
        { actor, action: 'tenant.delete', targetType: 'tenant', targetId: slug, details: { name: row.name } },
      ]);
    });
  }
}

/**
 * Whether the main installation at `mainDatabaseUrl` serves the tenant: a process opening a tenant
 * by its slug (RIPOSTE_TENANT) checks this first, so that a mistyped slug is an error and not a new,
 * empty installation beside the real one.
 */
export async function checkTenantServed(mainDatabaseUrl: string, slug: string): Promise<void> {
  let main: ReturnType<typeof openDatabase>;
  try {
    main = openDatabase(mainDatabaseUrl, { existing: true });
  } catch (error) {
    throw new RiposteError(
      'unknown_tenant',
      `the main installation's database cannot be opened: ${(error as Error).message}`,
      { path: 'RIPOSTE_TENANT', cause: error },
    );
  }
  try {
    let row: Pick<TenantTable, 'status'> | undefined;
    try {
      row = await main.db.selectFrom('tenants').select('status').where('slug', '=', slug).executeTakeFirst();
    } catch (error) {
      throw new RiposteError(
        'unknown_tenant',
        `the main installation's database has no tenants table (run \`riposte migrate\` without RIPOSTE_TENANT first)`,
        { path: 'RIPOSTE_TENANT', cause: error },
      );
    }
    if (!row)
      throw new RiposteError('unknown_tenant', `no tenant "${slug}" (see \`riposte tenant list\`)`, {
        path: 'RIPOSTE_TENANT',
      });
    if (row.status === 'disabled')
      throw new RiposteError('tenant_disabled', `the tenant "${slug}" is disabled`, {
        path: 'RIPOSTE_TENANT',
      });
    if (row.status === 'provisioning')
      throw new RiposteError('unknown_tenant', `the tenant "${slug}" is still being provisioned`, {
        path: 'RIPOSTE_TENANT',
      });
  } finally {
    await main.close();
  }
}
