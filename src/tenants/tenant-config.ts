import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import path from 'node:path';
import { RiposteError } from '../core/riposte-error.ts';

/**
 * A tenant's slug: its host name label (`acme` → `acme.<tenant domain>`), the folder and the
 * database its data lives in. Lower-case letters, digits and dashes, a letter first, 2–30 long.
 */
export const TENANT_SLUG = /^[a-z][a-z0-9-]{0,28}[a-z0-9]$/;

/** Labels that name the installation itself or are commonly a service's own host, never a tenant. */
const RESERVED = new Set(['www', 'api', 'app', 'admin', 'main', 'mail', 'static', 'assets', 'tenants']);

/** The reason a slug cannot name a tenant, or undefined when it can. */
export function slugProblem(slug: string): string | undefined {
  if (!TENANT_SLUG.test(slug))
    return `"${slug}" is not a tenant slug: 2 to 30 lower-case letters, digits and dashes, starting with a letter and not ending with a dash`;
  if (slug.includes('--')) return `"${slug}" is not a tenant slug: two dashes in a row are reserved`;
  if (RESERVED.has(slug)) return `"${slug}" is reserved and cannot name a tenant`;
  return undefined;
}

const DOMAIN = /^(?=.{1,200}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * The domain tenants are served under: the setting, else the public URL's host name, else (the
 * public URL names an address, where no name can sit under it) `localhost`, whose subdomains every
 * browser and curl resolve to the loopback.
 */
export function tenantDomainSetting(setting: string | undefined, publicUrl: string): string {
  if (setting !== undefined) {
    const domain = setting.trim().toLowerCase().replace(/\.$/, '');
    if (!DOMAIN.test(domain))
      throw new RiposteError(
        'validation_failed',
        `RIPOSTE_TENANT_DOMAIN must be a DNS name, got "${setting}"`,
        {
          path: 'RIPOSTE_TENANT_DOMAIN',
        },
      );
    return domain;
  }
  const host =
    URL.parse(publicUrl)
      ?.hostname.replace(/^\[|\]$/g, '')
      .toLowerCase() ?? '';
  return host === '' || isIP(host) !== 0 || !DOMAIN.test(host) ? 'localhost' : host;
}

/** A tenant's configuration points back at the main installation, whose database lists the tenants. */
export interface TenantOf {
  slug: string;
  mainDatabaseUrl: string;
  mainDataDir: string;
}

/** What a tenant's configuration is derived from (the main installation's Config). */
export interface TenantBase {
  dataDir: string;
  databaseUrl: string;
  redisPrefix: string;
  publicUrl: string;
  tenantDomain: string;
  /** Those naming a tenant (`tenant/source`) become that tenant's own. */
  syslogListeners: readonly { tenant?: string }[];
  oidc: unknown;
  tenant: Readonly<TenantOf> | undefined;
}

/** The host name a tenant is served at. */
export function tenantHost(config: Pick<TenantBase, 'tenantDomain'>, slug: string): string {
  return `${slug}.${config.tenantDomain}`;
}

/**
 * The tenant a request's Host header names: `acme` for `acme.<domain>[:port]`, undefined for any
 * other host (the main installation's). A label that is not a slug is still returned, so that an
 * unknown tenant is told as such rather than served the main installation.
 */
export function tenantOfHost(host: string | undefined, domain: string): string | undefined {
  if (!host) return undefined;
  const name = host.replace(/:\d*$/, '').replace(/\.$/, '').toLowerCase();
  const suffix = `.${domain}`;
  if (!name.endsWith(suffix)) return undefined;
  const label = name.slice(0, -suffix.length);
  return label === '' ? undefined : label;
}

/** PostgreSQL's longest identifier. */
const PG_NAME_MAX = 63;

/**
 * The PostgreSQL database of a tenant: beside the main one on the same server, named after both
 * (`riposte_t_acme` for the main `riposte`), or after a digest of the main name when that is too long.
 */
export function tenantDatabaseName(mainName: string, slug: string): string {
  const own = `_t_${slug.replaceAll('-', '_')}`;
  if (mainName.length + own.length <= PG_NAME_MAX) return `${mainName}${own}`;
  const digest = createHash('sha256').update(mainName).digest('hex').slice(0, 16);
  return `riposte_${digest}${own}`;
}

/** The main installation's PostgreSQL database name in its URL. */
export function postgresDatabaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  return name || 'postgres';
}

/**
 * A tenant's configuration, derived from the main installation's: the same settings, with its own
 * data folder (`<data>/tenants/<slug>`: its SQLite file, its master key file, its attachments), its
 * own database (a SQLite file there, or a PostgreSQL database beside the main one), its own Redis
 * key prefix and its own public URL (`acme.<tenant domain>`). Syslog listeners and single sign-on
 * stay the main installation's.
 */
export function tenantConfig<C extends TenantBase>(main: Readonly<C>, slug: string): Readonly<C> {
  const problem = slugProblem(slug);
  if (problem) throw new RiposteError('validation_failed', problem, { path: 'RIPOSTE_TENANT' });
  if (main.tenant)
    throw new RiposteError('validation_failed', `a tenant (${main.tenant.slug}) has no tenants of its own`, {
      path: 'RIPOSTE_TENANT',
    });
  const dataDir = path.join(main.dataDir, 'tenants', slug);
  let databaseUrl: string;
  if (main.databaseUrl.startsWith('sqlite:')) databaseUrl = `sqlite://${path.join(dataDir, 'riposte.db')}`;
  else {
    const url = new URL(main.databaseUrl);
    url.pathname = `/${tenantDatabaseName(postgresDatabaseName(main.databaseUrl), slug)}`;
    databaseUrl = url.toString();
  }
  const publicUrl = new URL(main.publicUrl);
  publicUrl.hostname = tenantHost(main, slug);
  return Object.freeze({
    ...main,
    dataDir,
    databaseUrl,
    redisPrefix: `${main.redisPrefix}.t.${slug}`,
    publicUrl: publicUrl.toString().replace(/\/+$/, ''),
    syslogListeners: main.syslogListeners.filter((l) => l.tenant === slug),
    oidc: undefined,
    tenant: Object.freeze({ slug, mainDatabaseUrl: main.databaseUrl, mainDataDir: main.dataDir }),
  });
}
