import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Actor } from '../audit/audit-log.ts';
import { USERNAME, type UserService } from '../auth/user-service.ts';
import type { Config } from '../config.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { postgresDatabaseName, slugProblem, tenantConfig, tenantHost } from './tenant-config.ts';
import { tenantNameProblem, type Tenant, type TenantRegistry } from './tenant-registry.ts';

export interface NewTenant {
  slug: string;
  name: string;
  /** The username of the tenant's first admin (default `admin`). */
  adminUsername?: string;
}

export interface ProvisionedTenant {
  tenant: Tenant;
  /** Where the tenant's people and sources reach it. */
  url: string;
  /** The tenant's first admin and the password made for them, shown once. */
  admin: { username: string; password: string };
}

/** Opens a Riposte on a configuration (openRiposte; the tenant service needs its users and close). */
type Open = (
  config: Readonly<Config>,
  options: { tenantChecked: boolean },
) => Promise<{ users: Pick<UserService, 'create'>; close(): Promise<void> }>;

/**
 * Tenants of the main installation: each has a database of its own (a SQLite file in its own data
 * folder, or a PostgreSQL database beside the main one), its own users, sources, playbooks, secrets
 * and audit chain, and is served at its own host name. Nothing of one tenant is stored where another's
 * requests could read it, so isolation does not hang on every query remembering a tenant column.
 */
export class TenantService {
  readonly registry: TenantRegistry;
  readonly #main: Readonly<Config>;
  readonly #open: Open;
  readonly #listeners = new Set<() => Promise<void>>();

  constructor(main: Readonly<Config>, registry: TenantRegistry, open: Open) {
    this.#main = main;
    this.registry = registry;
    this.#open = open;
  }

  /** The configuration a tenant's processes run with. */
  config(slug: string): Readonly<Config> {
    return tenantConfig(this.#main, slug);
  }

  /** The URL a tenant is reached at. */
  url(slug: string): string {
    return this.config(slug).publicUrl;
  }

  /**
   * Called after a tenant is created, disabled, enabled or deleted here: a server in this process
   * opens or closes it before the change is answered.
   */
  onChange(listener: () => Promise<void>): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  async #changed(): Promise<void> {
    await Promise.all([...this.#listeners].map((listener) => listener()));
  }

  /**
   * Creates a tenant: claims the slug, makes its database, migrates it (with the built-in playbooks)
   * and creates its first admin with a random password. Nothing is left behind when a step fails.
   */
  async create(input: NewTenant, actor: Actor): Promise<ProvisionedTenant> {
    const slugIssue = typeof input.slug === 'string' ? slugProblem(input.slug) : 'a slug is required';
    if (slugIssue) throw new RiposteError('validation_failed', slugIssue, { path: '/slug' });
    const nameIssue = tenantNameProblem(input.name);
    if (nameIssue) throw new RiposteError('validation_failed', nameIssue, { path: '/name' });
    const username = input.adminUsername ?? 'admin';
    if (typeof username !== 'string' || !USERNAME.test(username))
      throw new RiposteError(
        'validation_failed',
        'the first admin\'s username must be 1–128 letters, digits, ".", "_", "@" or "-"',
        { path: '/admin' },
      );
    const config = this.config(input.slug);
    await this.registry.claim(input.slug, input.name, actor);
    let made = false;
    try {
      made = await createStorage(config);
      const password = randomBytes(15).toString('base64url');
      const riposte = await this.#open(config, { tenantChecked: true });
      try {
        await riposte.users.create({ username, role: 'admin', password }, actor);
      } finally {
        await riposte.close();
      }
      const tenant = await this.registry.activate(input.slug, actor, {
        database: config.databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgres',
        admin: username,
      });
      await this.#changed();
      return { tenant, url: config.publicUrl, admin: { username, password } };
    } catch (error) {
      if (made) await dropStorage(config).catch(() => undefined);
      await this.registry.release(input.slug);
      throw error;
    }
  }

  async setDisabled(slug: string, disabled: boolean, actor: Actor): Promise<Tenant> {
    const tenant = await this.registry.setDisabled(slug, disabled, actor);
    await this.#changed();
    return tenant;
  }

  /**
   * Limits the alerts all the tenant's sources together may send a minute (null: no limit); servers
   * in this process apply it before this answers, others at their next refresh (10 s).
   */
  async setAlertLimit(slug: string, limit: unknown, actor: Actor): Promise<Tenant> {
    const tenant = await this.registry.setAlertLimit(slug, limit, actor);
    await this.#changed();
    return tenant;
  }

  /**
   * Deletes a disabled tenant and all its data: its database is dropped and its data folder removed.
   * Refused while the tenant is served: disable it first, so that no request or run is writing to it.
   */
  async delete(slug: string, actor: Actor): Promise<void> {
    const tenant = await this.registry.require(slug);
    if (tenant.status !== 'disabled')
      throw new RiposteError(
        'invalid_state',
        `the tenant "${slug}" is ${tenant.status}: disable it before deleting it`,
      );
    await dropStorage(this.config(slug));
    await this.registry.remove(slug, actor);
    await this.#changed();
  }

  /** The host name a tenant is served at. */
  host(slug: string): string {
    return tenantHost(this.#main, slug);
  }
}

async function withServer<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function quoted(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/**
 * Makes a tenant's empty database: its data folder (and SQLite file), or a PostgreSQL database. An
 * empty PostgreSQL database of the name made beforehand (where Riposte's role may not create
 * databases) is taken as it is. True when this made it (a failed provisioning removes it again).
 */
async function createStorage(config: Readonly<Config>): Promise<boolean> {
  const mainUrl = config.tenant!.mainDatabaseUrl;
  if (config.databaseUrl.startsWith('sqlite:')) {
    const file = config.databaseUrl.slice('sqlite://'.length);
    if (existsSync(file))
      throw new RiposteError(
        'conflict',
        `a database is left at ${file} from an earlier tenant of this name; move it away or pick another slug`,
        { path: '/slug' },
      );
    mkdirSync(path.dirname(file), { recursive: true });
    return true;
  }
  const name = postgresDatabaseName(config.databaseUrl);
  try {
    await withServer(mainUrl, (c) => c.query(`CREATE DATABASE ${quoted(name)}`));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '42P04') {
      const tables = await withServer(config.databaseUrl, (c) =>
        c.query<{ n: string }>(
          `select count(*) as n from information_schema.tables where table_schema = 'public'`,
        ),
      );
      if (Number(tables.rows[0]?.n ?? 0) === 0) {
        mkdirSync(config.dataDir, { recursive: true });
        return false;
      }
      throw new RiposteError(
        'conflict',
        `the PostgreSQL database ${name} exists and has tables (left from an earlier tenant of this name?); drop it or pick another slug`,
        { path: '/slug' },
      );
    }
    if (code === '42501')
      throw new RiposteError(
        'not_available',
        `the PostgreSQL role of RIPOSTE_DATABASE_URL may not create databases (CREATEDB), which a tenant needs: grant it, or create ${name} beforehand`,
        { cause: error },
      );
    throw error;
  }
  mkdirSync(config.dataDir, { recursive: true });
  return true;
}

/** Removes a tenant's database and data folder. */
async function dropStorage(config: Readonly<Config>): Promise<void> {
  if (!config.databaseUrl.startsWith('sqlite:')) {
    const name = postgresDatabaseName(config.databaseUrl);
    await withServer(config.tenant!.mainDatabaseUrl, (c) =>
      c.query(`DROP DATABASE IF EXISTS ${quoted(name)} WITH (FORCE)`),
    );
  }
  rmSync(config.dataDir, { recursive: true, force: true });
}
