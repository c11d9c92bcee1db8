import { availableParallelism } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SEVERITIES, type Severity } from './core/alert.ts';
import { isRole, ROLES, type Role } from './core/role.ts';
import { RiposteError } from './core/riposte-error.ts';
import { slugProblem, tenantConfig, tenantDomainSetting, type TenantOf } from './tenants/tenant-config.ts';

/**
 * The one place that reads process.env. Every setting is documented in docs/configuration.md.
 * Values come from (lowest to highest precedence) defaults, the optional JSON file named by
 * RIPOSTE_CONFIG, and environment variables; the result is validated and frozen.
 */
export interface GroupingRule {
  /** `rule_and_host`: same detection rule on the same host; `observable`: any shared observable of `types`. */
  match: 'rule_and_host' | 'observable';
  types?: string[];
  windowSeconds: number;
}

/** How soon a case of a severity must be acknowledged (assigned or closed) and resolved (closed). */
export interface SlaTarget {
  acknowledgeSeconds: number;
  /** Time to contain; absent when the target was given as acknowledge/resolve only. */
  containSeconds?: number;
  resolveSeconds: number;
}

/** SLA targets per case severity; a severity left out has no SLA. */
export type SlaTargets = Partial<Record<Severity, SlaTarget>>;

export interface Config {
  dataDir: string;
  databaseUrl: string;
  /** Redis for the BullMQ work queue (scale-out); unset: the in-process queue. */
  redisUrl: string | undefined;
  /** The prefix of every key this installation keeps in Redis. */
  redisPrefix: string;
  /** How long a dead worker's action attempts stay leased before another worker takes them up, ms. */
  queueLeaseMs: number;
  host: string;
  port: number;
  masterKey: string | undefined;
  logLevel: string;
  /** Largest request body accepted, bytes. */
  bodyLimit: number;
  /** API requests one person or API token may make per minute, per process (a token bucket); 0: no limit. */
  rateLimitPerMinute: number;
  /** Syslog listeners, each feeding a source (RIPOSTE_SYSLOG=udp://host:port/source,tcp://…); `serve` starts them. */
  syslogListeners: SyslogListenerConfig[];
  /** The certificate `tls://` syslog listeners serve with (RIPOSTE_SYSLOG_TLS_CERT, _KEY, _CA). */
  syslogTls: SyslogTlsFiles | undefined;
  /** The most each syslog listener's spool (its backlog on disk) may hold, bytes; 0: memory only (RIPOSTE_SYSLOG_SPOOL_MB, default 1024). */
  syslogSpoolMaxBytes: number;
  /** Largest file that can be attached to a case, bytes (RIPOSTE_ATTACHMENT_MAX_MB, default 25). */
  attachmentMaxBytes: number;
  /** Fingerprint dedup window, seconds. */
  dedupWindowSeconds: number;
  grouping: GroupingRule[];
  /** Signature replay window, seconds. */
  signatureWindowSeconds: number;
  sessionTtlSeconds: number;
  /** Cookies marked Secure (set when served over HTTPS). */
  secureCookies: boolean;
  /** The URL people reach Riposte at; approval links are built on it. */
  publicUrl: string;
  /** Where task and approval notifications (opened, reminder, escalated, expired) are POSTed as JSON; unset: logged only. */
  notifyWebhookUrl: string | undefined;
  /** How long a signed approval link stays valid, seconds. */
  approvalLinkTtlSeconds: number;
  /** Action attempts carried out at once by this process. */
  actionConcurrency: number;
  /**
   * Without Redis: once this many action attempts wait or run in this process, runs that triggers
   * create stay queued in the database and start as the backlog drains.
   */
  runBacklog: number;
  /** The run engine's cache of open runs: at most this much run state, in MiB of its JSON. */
  runCacheMb: number;
  /** npm packages whose integrations are loaded at start-up. */
  integrationPackages: string[];
  /** Private or loopback destinations integrations may reach anyway (CIDRs or host names). */
  outboundAllow: string[];
  /** HTTP(S) proxy for every integration request. */
  outboundProxy: string | undefined;
  /** How long an expression that may run long (comprehensions, regular expressions) may take, ms. */
  expressionTimeoutMs: number;
  /**
   * Chromium, for PDF incident reports (RIPOSTE_CHROMIUM_PATH; default: chromium, chromium-browser or
   * google-chrome on the PATH; `none` turns PDF off). Unset: PDF reports answer 501.
   */
  chromiumPath: string | undefined;
  /** Load the built-in playbooks (playbooks/builtin) into the store at start-up (RIPOSTE_BUILTIN_PLAYBOOKS). */
  builtinPlaybooks: boolean;
  /** Worker threads that prepare large ingest bodies (RIPOSTE_INGEST_THREADS; 0 = in the request's thread). */
  ingestThreads: number;
  /** The most memory SQLite's page cache may take, in MiB (RIPOSTE_SQLITE_CACHE_MB); unset: the store's default. */
  sqliteCacheMb: number | undefined;
  /** Case SLA targets per severity (RIPOSTE_SLA_<SEVERITY>=<acknowledge>/<resolve>, e.g. 15m/4h). */
  sla: Readonly<SlaTargets>;
  /** OpenID Connect single sign-on (RIPOSTE_OIDC_*); unset: people log in with passwords only. */
  oidc: Readonly<OidcConfig> | undefined;
  /**
   * The domain tenants are served under: tenant `acme` at `acme.<domain>` (RIPOSTE_TENANT_DOMAIN;
   * default the public URL's host name, or `localhost` when that is an address).
   */
  tenantDomain: string;
  /** Set when this configuration is a tenant's (RIPOSTE_TENANT): which, and where the main installation is. */
  tenant: Readonly<TenantOf> | undefined;
}

/** One entry of the OIDC role mapping: a value of the roles claim (a group) and the role it gives. */
export interface OidcRoleMapping {
  value: string;
  role: Role;
}

/** Single sign-on through an OpenID provider (docs/security.md#single-sign-on-openid-connect). */
export interface OidcConfig {
  /** The issuer, exactly as the provider's ID tokens name it (`iss`); discovery is read under it. */
  issuer: string;
  clientId: string;
  /** Unset: a public client, which proves itself by PKCE alone. */
  clientSecret: string | undefined;
  /** Where the provider sends people back: the public URL + /api/v1/session/oidc/callback. */
  redirectUri: string;
  scopes: readonly string[];
  /** Claims tried in order for the Riposte username (default preferred_username, then email). */
  usernameClaims: readonly string[];
  /** The claim listing the person's groups or roles (a dotted path reaches into objects: realm_access.roles). */
  rolesClaim: string;
  roleMap: readonly OidcRoleMapping[];
  /** The role of a person none of whose groups is mapped; unset: such a person is refused. */
  defaultRole: Role | undefined;
  /** Create a Riposte user at a person's first sign-in (just-in-time provisioning). */
  createUsers: boolean;
  /** Set the user's role from the mapping at every sign-in. */
  updateRoles: boolean;
  /** People sign in through the provider only: password logins are refused (API tokens still work). */
  only: boolean;
  /** The provider's name on the console's button: "Sign in with <name>". */
  name: string;
  /** Logging out of Riposte also ends the session at the provider (its end_session_endpoint). */
  logoutAtProvider: boolean;
  /** Leeway for the ID token's exp, iat and nbf against this host's clock, seconds. */
  clockSkewSeconds: number;
}

export const DEFAULT_GROUPING: GroupingRule[] = [
  { match: 'rule_and_host', windowSeconds: 24 * 3600 },
  {
    match: 'observable',
    types: ['host', 'user', 'sha256', 'sha1', 'md5', 'url', 'domain'],
    windowSeconds: 6 * 3600,
  },
];

export const DEFAULT_SLA: Record<Severity, string> = {
  critical: '15m/1h/4h',
  high: '1h/8h/24h',
  medium: '4h/1d/3d',
  low: '24h/3d/7d',
  informational: '3d/15d/30d',
  unknown: '4h/1d/3d',
};

type Env = Record<string, string | undefined>;

const DURATION_UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `15m/1h/4h` (acknowledge/contain/resolve), `15m/4h` (no contain target; units s, m, h, d) or `none`. */
function slaTarget(raw: string, path: string): SlaTarget | null {
  if (raw.trim() === 'none') return null;
  const parts = raw.split('/').map((part) => /^\s*(\d{1,6})([smhd])\s*$/.exec(part));
  const seconds = parts.map((m) => (m ? Number(m[1]) * DURATION_UNIT[m[2]!]! : 0));
  const ordered = seconds.every((value, i) => value > 0 && (i === 0 || value >= seconds[i - 1]!));
  if ((parts.length !== 2 && parts.length !== 3) || !ordered) {
    throw new RiposteError(
      'validation_failed',
      `${path} must be "<acknowledge>/<contain>/<resolve>" or "<acknowledge>/<resolve>" with units s, m, h or d (e.g. 15m/1h/4h, each not sooner than the one before) or "none", got "${raw}"`,
      { path },
    );
  }
  const [acknowledgeSeconds, second, third] = seconds as [number, number, number | undefined];
  return third === undefined
    ? { acknowledgeSeconds, resolveSeconds: second }
    : { acknowledgeSeconds, containSeconds: second, resolveSeconds: third };
}

function slaTargets(env: Env, file: unknown, override: SlaTargets | undefined): Readonly<SlaTargets> {
  if (override) return Object.freeze({ ...override });
  const fromFile = (file ?? {}) as Record<string, unknown>;
  const targets: SlaTargets = {};
  for (const severity of SEVERITIES) {
    const name = `RIPOSTE_SLA_${severity.toUpperCase()}`;
    const fileValue = fromFile[severity];
    if (fileValue !== undefined && typeof fileValue !== 'string')
      throw new RiposteError('validation_failed', `sla/${severity} must be a string like "15m/4h"`, {
        path: `sla/${severity}`,
      });
    const raw = env[name] ?? (typeof fileValue === 'string' ? fileValue : undefined) ?? DEFAULT_SLA[severity];
    const target = slaTarget(
      raw,
      env[name] === undefined && fileValue !== undefined ? `sla/${severity}` : name,
    );
    if (target) targets[severity] = Object.freeze(target);
  }
  return Object.freeze(targets);
}

/** An integer setting within [min, max]; unset or empty: the fallback (which may be `undefined`). */
/** pino's levels, by the number a log line carries; `silent` logs nothing. */
export const LOG_LEVELS: Readonly<Record<string, number>> = Object.freeze({
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
});

function logLevelSetting(value: string, from: string): string {
  if (Object.hasOwn(LOG_LEVELS, value)) return value;
  throw new RiposteError(
    'validation_failed',
    `${from} must be one of ${Object.keys(LOG_LEVELS).join(', ')}, got "${value}"`,
    { path: from },
  );
}

function intSetting<F extends number | undefined>(
  env: Env,
  name: string,
  fallback: F,
  min: number,
  max: number,
): number | F {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RiposteError(
      'validation_failed',
      `${name} must be an integer between ${min} and ${max}, got "${raw}"`,
      {
        path: name,
      },
    );
  }
  return value;
}

/** `true`/`false` (also 1/0, yes/no, on/off); unset or empty: the fallback. */
function boolSetting(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new RiposteError('validation_failed', `${name} must be true or false, got "${env[name]}"`, {
    path: name,
  });
}

/** A comma-separated setting; undefined when unset. */
function list(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function readFileConfig(file: string | undefined): Partial<Config> {
  if (file === undefined || file === '') return {};
  if (!existsSync(file)) {
    throw new RiposteError('validation_failed', `RIPOSTE_CONFIG names ${file}, which does not exist`, {
      path: 'RIPOSTE_CONFIG',
    });
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Partial<Config>;
  } catch (error) {
    throw new RiposteError('invalid_json', `${file}: ${(error as Error).message}`, {
      path: 'RIPOSTE_CONFIG',
    });
  }
}

function validateGrouping(rules: unknown): GroupingRule[] {
  if (!Array.isArray(rules))
    throw new RiposteError('validation_failed', 'grouping must be a list', { path: 'grouping' });
  return rules.map((rule: unknown, i) => {
    const r = rule as Partial<GroupingRule>;
    if (r === null || typeof r !== 'object' || (r.match !== 'rule_and_host' && r.match !== 'observable')) {
      throw new RiposteError('validation_failed', 'match must be "rule_and_host" or "observable"', {
        path: `grouping/${i}/match`,
      });
    }
    if (typeof r.windowSeconds !== 'number' || r.windowSeconds <= 0) {
      throw new RiposteError('validation_failed', 'windowSeconds must be a positive number', {
        path: `grouping/${i}/windowSeconds`,
      });
    }
    return { match: r.match, windowSeconds: r.windowSeconds, ...(r.types ? { types: [...r.types] } : {}) };
  });
}

/** An explicit Chromium (or `none`), else the first of Chromium's usual names on the PATH. */
function chromiumSetting(explicit: string | undefined, searchPath: string | undefined): string | undefined {
  if (explicit !== undefined) return explicit === 'none' || explicit === '' ? undefined : explicit;
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
      const candidate = path.join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

export interface SyslogListenerConfig {
  /** `tls`: TCP with TLS (RFC 5425), with the certificate of `syslogTls`. */
  protocol: 'udp' | 'tcp' | 'tls';
  host: string;
  port: number;
  /** The source its messages are ingested as (its format reads them). */
  source: string;
  /** Set: the source is this tenant's, and the listener runs while the tenant is open (`tenant/source`). */
  tenant?: string;
}

/** RIPOSTE_SYSLOG_TLS_CERT and _KEY (both or neither), and _CA, or the file's `syslogTls`. */
function syslogTlsFiles(env: Env, fromFile: SyslogTlsFiles | undefined): SyslogTlsFiles | undefined {
  const certFile = env.RIPOSTE_SYSLOG_TLS_CERT || undefined;
  const keyFile = env.RIPOSTE_SYSLOG_TLS_KEY || undefined;
  if (!certFile && !keyFile) return fromFile;
  if (!certFile || !keyFile)
    throw new RiposteError(
      'validation_failed',
      'RIPOSTE_SYSLOG_TLS_CERT and RIPOSTE_SYSLOG_TLS_KEY go together: the certificate a tls:// syslog listener serves, and its private key (PEM files)',
      { path: certFile ? 'RIPOSTE_SYSLOG_TLS_KEY' : 'RIPOSTE_SYSLOG_TLS_CERT' },
    );
  return { certFile, keyFile, caFile: env.RIPOSTE_SYSLOG_TLS_CA || undefined };
}

/** The PEM files a `tls://` syslog listener serves with, and the CA its senders' certificates must chain to. */
export interface SyslogTlsFiles {
  certFile: string;
  keyFile: string;
  /** Set: every sender must present a certificate this CA issued (mutual TLS). */
  caFile: string | undefined;
}

/** `RIPOSTE_SYSLOG`: comma-separated `udp://host:port/source`, `tcp://…` or `tls://…`. */
function parseSyslogListeners(text: string | undefined): SyslogListenerConfig[] | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === '') return [];
  return text.split(',').map((entry, i) => {
    const spec = entry.trim();
    const url = URL.parse(spec);
    const named = url ? decodeURIComponent(url.pathname.replace(/^\//, '')) : '';
    // `tenant/source`: a tenant's source; `source`: the main installation's.
    const [tenant, source] = named.includes('/') ? named.split('/', 2) : [undefined, named];
    const protocol = url?.protocol.replace(/:$/, '');
    const port = url ? Number(url.port) : NaN;
    if (
      !url ||
      (protocol !== 'udp' && protocol !== 'tcp' && protocol !== 'tls') ||
      !url.hostname ||
      !Number.isInteger(port) ||
      url.port === '' ||
      !source ||
      named.split('/').length > 2
    )
      throw new RiposteError(
        'validation_failed',
        `RIPOSTE_SYSLOG entry ${i + 1} ("${spec}") must be udp://host:port/source, tcp://host:port/source or tls://host:port/source (a tenant's source as tenant/source)`,
        { path: 'RIPOSTE_SYSLOG' },
      );
    const problem = tenant === undefined ? undefined : slugProblem(tenant);
    if (problem)
      throw new RiposteError('validation_failed', `RIPOSTE_SYSLOG entry ${i + 1} ("${spec}"): ${problem}`, {
        path: 'RIPOSTE_SYSLOG',
      });
    return {
      protocol,
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port,
      source,
      ...(tenant === undefined ? {} : { tenant }),
    };
  });
}

/** The OIDC variables besides the issuer, each with its key in the file's `oidc` object. */
const OIDC_SETTINGS = {
  CLIENT_ID: 'clientId',
  CLIENT_SECRET: 'clientSecret',
  SCOPES: 'scopes',
  USERNAME_CLAIM: 'usernameClaim',
  ROLES_CLAIM: 'rolesClaim',
  ROLE_MAP: 'roleMap',
  DEFAULT_ROLE: 'defaultRole',
  CREATE_USERS: 'createUsers',
  UPDATE_ROLES: 'updateRoles',
  ONLY: 'only',
  NAME: 'name',
  LOGOUT_AT_PROVIDER: 'logoutAtProvider',
  CLOCK_SKEW: 'clockSkewSeconds',
} as const;

/** Where a setting's value came from (the variable or the file key, for error messages) and the value. */
interface Setting {
  from: string;
  value: unknown;
}

const invalid = (from: string, detail: string): RiposteError =>
  new RiposteError('validation_failed', `${from} ${detail}`, { path: from });

/** http only to this host itself (a provider in a test or on the same machine); https elsewhere. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function oidcText(setting: Setting): string {
  if (typeof setting.value !== 'string' || setting.value.trim() === '')
    throw invalid(setting.from, 'must be a non-empty string');
  return setting.value.trim();
}

/** A list given as one string (separated by commas, or also spaces when `spaces`) or, in the file, an array. */
function oidcList(setting: Setting, spaces: boolean): string[] {
  const items = Array.isArray(setting.value)
    ? setting.value.map((item) => (typeof item === 'string' ? item.trim() : ''))
    : typeof setting.value === 'string'
      ? setting.value.split(spaces ? /[\s,]+/ : ',').map((item) => item.trim())
      : undefined;
  if (!items || items.some((item) => item === '' && Array.isArray(setting.value)))
    throw invalid(setting.from, 'must be a list of non-empty strings');
  const kept = items.filter((item) => item !== '');
  if (kept.length === 0) throw invalid(setting.from, 'must name at least one value');
  return kept;
}

function oidcFlag(setting: Setting | undefined, fallback: boolean): boolean {
  if (setting === undefined) return fallback;
  if (typeof setting.value === 'boolean') return setting.value;
  const raw = typeof setting.value === 'string' ? setting.value.trim().toLowerCase() : '';
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw invalid(setting.from, `must be true or false, got ${JSON.stringify(setting.value)}`);
}

function oidcRole(setting: Setting, what: string): Role {
  const value = typeof setting.value === 'string' ? setting.value.trim() : '';
  if (!isRole(value))
    throw invalid(
      setting.from,
      `${what} must be one of ${ROLES.join(', ')}, got ${JSON.stringify(setting.value)}`,
    );
  return value;
}

/** `soc-admins=admin,soc=analyst`, or in the file an object `{ "soc-admins": "admin" }`. */
function oidcRoleMap(setting: Setting): OidcRoleMapping[] {
  if (setting.value !== null && typeof setting.value === 'object' && !Array.isArray(setting.value)) {
    return Object.entries(setting.value).map(([value, role]) => {
      if (value.trim() === '') throw invalid(setting.from, 'has an empty group name');
      return { value, role: oidcRole({ from: `${setting.from}.${value}`, value: role }, 'the role') };
    });
  }
  if (typeof setting.value !== 'string')
    throw invalid(setting.from, 'must be "<group>=<role>,…" or, in the file, an object of group: role');
  return setting.value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry, i) => {
      // The role is after the last "=": a group name may hold one, a role name never does.
      const at = entry.lastIndexOf('=');
      const value = at > 0 ? entry.slice(0, at).trim() : '';
      const role = at > 0 ? entry.slice(at + 1).trim() : '';
      if (value === '' || !isRole(role))
        throw invalid(
          setting.from,
          `entry ${i + 1} ("${entry}") must be <group>=<role> with a role of ${ROLES.join(', ')}`,
        );
      return { value, role };
    });
}

function oidcIssuer(setting: Setting): string {
  const issuer = oidcText(setting);
  const url = URL.parse(issuer);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw invalid(setting.from, `must be the provider's https:// issuer URL, got "${issuer}"`);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname))
    throw invalid(
      setting.from,
      `must use https (http only for a provider on this host, such as 127.0.0.1), got "${issuer}"`,
    );
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '')
    throw invalid(setting.from, `must have no query, fragment or credentials, got "${issuer}"`);
  return issuer;
}

/**
 * The OIDC settings: each RIPOSTE_OIDC_* variable, else its key in the file's `oidc` object.
 * Without an issuer single sign-on is off, and any other OIDC setting is a mistake worth naming.
 */
function oidcSettings(env: Env, fileValue: unknown, publicUrl: string): OidcConfig | undefined {
  if (
    fileValue !== undefined &&
    (fileValue === null || typeof fileValue !== 'object' || Array.isArray(fileValue))
  )
    throw invalid('oidc', 'must be an object in the configuration file');
  const file = (fileValue ?? {}) as Record<string, unknown>;
  const read = (name: string, key: string): Setting | undefined => {
    const fromEnv = env[`RIPOSTE_OIDC_${name}`];
    if (fromEnv !== undefined && fromEnv !== '') return { from: `RIPOSTE_OIDC_${name}`, value: fromEnv };
    return file[key] === undefined ? undefined : { from: `oidc.${key}`, value: file[key] };
  };
  const issuerSetting = read('ISSUER', 'issuer');
  if (!issuerSetting) {
    for (const [name, key] of Object.entries(OIDC_SETTINGS)) {
      const stray = read(name, key);
      if (stray) throw invalid(stray.from, 'is set, but single sign-on is off: set RIPOSTE_OIDC_ISSUER too');
    }
    return undefined;
  }
  const setting = (name: keyof typeof OIDC_SETTINGS) => read(name, OIDC_SETTINGS[name]);
  const issuer = oidcIssuer(issuerSetting);
  const clientIdSetting = setting('CLIENT_ID');
  if (!clientIdSetting)
    throw invalid(
      'RIPOSTE_OIDC_CLIENT_ID',
      'is required with RIPOSTE_OIDC_ISSUER: the client id the provider gave Riposte',
    );
  const secretSetting = setting('CLIENT_SECRET');
  const scopesSetting = setting('SCOPES');
  const scopes = scopesSetting ? [...new Set(oidcList(scopesSetting, true))] : ['openid', 'profile', 'email'];
  if (!scopes.includes('openid'))
    throw invalid(scopesSetting!.from, `must include openid, got "${scopes.join(' ')}"`);
  const usernameSetting = setting('USERNAME_CLAIM');
  const rolesClaimSetting = setting('ROLES_CLAIM');
  const roleMapSetting = setting('ROLE_MAP');
  const roleMap = roleMapSetting ? oidcRoleMap(roleMapSetting) : [];
  const defaultRoleSetting = setting('DEFAULT_ROLE');
  const defaultRole =
    defaultRoleSetting === undefined || defaultRoleSetting.value === 'none'
      ? undefined
      : oidcRole(defaultRoleSetting, 'the role');
  const createUsers = oidcFlag(setting('CREATE_USERS'), true);
  const updateRoles = oidcFlag(setting('UPDATE_ROLES'), true);
  if ((createUsers || updateRoles) && roleMap.length === 0 && defaultRole === undefined)
    throw invalid(
      'RIPOSTE_OIDC_ROLE_MAP',
      'or RIPOSTE_OIDC_DEFAULT_ROLE is needed: without either nobody signing in could be given a role (or turn off RIPOSTE_OIDC_CREATE_USERS and RIPOSTE_OIDC_UPDATE_ROLES, so people keep the roles an admin gives them)',
    );
  const nameSetting = setting('NAME');
  const name = nameSetting ? oidcText(nameSetting) : 'SSO';
  if (name.length > 64) throw invalid(nameSetting!.from, 'must be at most 64 characters');
  const skewSetting = setting('CLOCK_SKEW');
  const clockSkewSeconds = skewSetting === undefined ? 60 : Number(skewSetting.value);
  if (!Number.isInteger(clockSkewSeconds) || clockSkewSeconds < 0 || clockSkewSeconds > 600)
    throw invalid(
      skewSetting!.from,
      `must be an integer between 0 and 600 (seconds), got ${JSON.stringify(skewSetting!.value)}`,
    );
  const base = URL.parse(publicUrl);
  if (!base || (base.protocol !== 'https:' && base.protocol !== 'http:'))
    throw invalid(
      'RIPOSTE_PUBLIC_URL',
      `must be an http(s) URL for single sign-on's redirect URI, got "${publicUrl}"`,
    );
  return Object.freeze({
    issuer,
    clientId: oidcText(clientIdSetting),
    clientSecret: secretSetting ? oidcText(secretSetting) : undefined,
    redirectUri: `${publicUrl}/api/v1/session/oidc/callback`,
    scopes: Object.freeze(scopes),
    usernameClaims: Object.freeze(
      usernameSetting ? oidcList(usernameSetting, false) : ['preferred_username', 'email'],
    ),
    rolesClaim: rolesClaimSetting ? oidcText(rolesClaimSetting) : 'groups',
    roleMap: Object.freeze(roleMap.map((entry) => Object.freeze(entry))),
    defaultRole,
    createUsers,
    updateRoles,
    only: oidcFlag(setting('ONLY'), false),
    name,
    logoutAtProvider: oidcFlag(setting('LOGOUT_AT_PROVIDER'), false),
    clockSkewSeconds,
  });
}

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Readonly<Config> {
  const file = readFileConfig(env.RIPOSTE_CONFIG);
  const dataDir = path.resolve(overrides.dataDir ?? env.RIPOSTE_DATA_DIR ?? file.dataDir ?? './data');
  const config: Config = {
    dataDir,
    databaseUrl:
      overrides.databaseUrl ??
      env.RIPOSTE_DATABASE_URL ??
      file.databaseUrl ??
      `sqlite://${path.join(dataDir, 'riposte.db')}`,
    redisUrl: overrides.redisUrl ?? env.RIPOSTE_REDIS_URL ?? file.redisUrl,
    redisPrefix: overrides.redisPrefix ?? env.RIPOSTE_REDIS_PREFIX ?? file.redisPrefix ?? 'riposte',
    queueLeaseMs:
      overrides.queueLeaseMs ??
      intSetting(env, 'RIPOSTE_QUEUE_LEASE_MS', file.queueLeaseMs ?? 30_000, 1_000, 3_600_000),
    host: overrides.host ?? env.RIPOSTE_HOST ?? file.host ?? '127.0.0.1',
    port: overrides.port ?? intSetting(env, 'RIPOSTE_PORT', file.port ?? 8080, 0, 65535),
    masterKey: overrides.masterKey ?? env.RIPOSTE_MASTER_KEY ?? file.masterKey,
    logLevel: logLevelSetting(
      overrides.logLevel ?? env.RIPOSTE_LOG_LEVEL ?? file.logLevel ?? 'info',
      overrides.logLevel !== undefined
        ? 'logLevel'
        : env.RIPOSTE_LOG_LEVEL !== undefined
          ? 'RIPOSTE_LOG_LEVEL'
          : 'logLevel',
    ),
    syslogListeners:
      overrides.syslogListeners ?? parseSyslogListeners(env.RIPOSTE_SYSLOG) ?? file.syslogListeners ?? [],
    syslogTls: overrides.syslogTls ?? syslogTlsFiles(env, file.syslogTls),
    syslogSpoolMaxBytes:
      overrides.syslogSpoolMaxBytes ??
      (env.RIPOSTE_SYSLOG_SPOOL_MB !== undefined
        ? intSetting(env, 'RIPOSTE_SYSLOG_SPOOL_MB', 1024, 0, 1024 * 1024) * 1024 * 1024
        : (file.syslogSpoolMaxBytes ?? 1024 * 1024 * 1024)),
    attachmentMaxBytes:
      overrides.attachmentMaxBytes ??
      (env.RIPOSTE_ATTACHMENT_MAX_MB !== undefined
        ? intSetting(env, 'RIPOSTE_ATTACHMENT_MAX_MB', 25, 1, 1024) * 1024 * 1024
        : (file.attachmentMaxBytes ?? 25 * 1024 * 1024)),
    bodyLimit:
      overrides.bodyLimit ??
      intSetting(env, 'RIPOSTE_BODY_LIMIT', file.bodyLimit ?? 16 * 1024 * 1024, 1024, 1 << 30),
    rateLimitPerMinute:
      overrides.rateLimitPerMinute ??
      intSetting(env, 'RIPOSTE_RATE_LIMIT', file.rateLimitPerMinute ?? 6000, 0, 1_000_000),
    dedupWindowSeconds:
      overrides.dedupWindowSeconds ??
      intSetting(env, 'RIPOSTE_DEDUP_WINDOW', file.dedupWindowSeconds ?? 3600, 0, 365 * 86400),
    grouping: validateGrouping(overrides.grouping ?? file.grouping ?? DEFAULT_GROUPING),
    signatureWindowSeconds: overrides.signatureWindowSeconds ?? file.signatureWindowSeconds ?? 300,
    sessionTtlSeconds:
      overrides.sessionTtlSeconds ??
      intSetting(env, 'RIPOSTE_SESSION_TTL', file.sessionTtlSeconds ?? 12 * 3600, 60, 30 * 86400),
    secureCookies:
      overrides.secureCookies ?? (env.RIPOSTE_SECURE_COOKIES === '1' || file.secureCookies === true),
    publicUrl: '',
    notifyWebhookUrl: overrides.notifyWebhookUrl ?? env.RIPOSTE_NOTIFY_WEBHOOK_URL ?? file.notifyWebhookUrl,
    approvalLinkTtlSeconds:
      overrides.approvalLinkTtlSeconds ??
      intSetting(env, 'RIPOSTE_APPROVAL_LINK_TTL', file.approvalLinkTtlSeconds ?? 24 * 3600, 60, 30 * 86400),
    integrationPackages:
      overrides.integrationPackages ?? list(env.RIPOSTE_INTEGRATIONS) ?? file.integrationPackages ?? [],
    outboundAllow: overrides.outboundAllow ?? list(env.RIPOSTE_OUTBOUND_ALLOW) ?? file.outboundAllow ?? [],
    outboundProxy: overrides.outboundProxy ?? env.RIPOSTE_OUTBOUND_PROXY ?? file.outboundProxy,
    expressionTimeoutMs:
      overrides.expressionTimeoutMs ??
      intSetting(env, 'RIPOSTE_EXPRESSION_TIMEOUT_MS', file.expressionTimeoutMs ?? 250, 10, 60_000),
    chromiumPath:
      'chromiumPath' in overrides
        ? overrides.chromiumPath
        : chromiumSetting(env.RIPOSTE_CHROMIUM_PATH ?? file.chromiumPath, env.PATH),
    builtinPlaybooks:
      overrides.builtinPlaybooks ??
      boolSetting(env, 'RIPOSTE_BUILTIN_PLAYBOOKS', file.builtinPlaybooks ?? true),
    // One fewer than the cores: the main thread (HTTP and the database) keeps one.
    ingestThreads:
      overrides.ingestThreads ??
      intSetting(
        env,
        'RIPOSTE_INGEST_THREADS',
        file.ingestThreads ?? Math.min(4, Math.max(1, availableParallelism() - 1)),
        0,
        64,
      ),
    sqliteCacheMb:
      overrides.sqliteCacheMb ?? intSetting(env, 'RIPOSTE_SQLITE_CACHE_MB', file.sqliteCacheMb, 2, 1 << 20),
    actionConcurrency:
      overrides.actionConcurrency ??
      intSetting(env, 'RIPOSTE_ACTION_CONCURRENCY', file.actionConcurrency ?? 256, 1, 10_000),
    runBacklog:
      overrides.runBacklog ?? intSetting(env, 'RIPOSTE_RUN_BACKLOG', file.runBacklog ?? 5_000, 1, 1_000_000),
    runCacheMb:
      overrides.runCacheMb ?? intSetting(env, 'RIPOSTE_RUN_CACHE_MB', file.runCacheMb ?? 64, 1, 1 << 16),
    sla: slaTargets(env, file.sla, overrides.sla),
    oidc: undefined,
    tenantDomain: '',
    tenant: undefined,
  };
  config.publicUrl = (
    overrides.publicUrl ??
    env.RIPOSTE_PUBLIC_URL ??
    file.publicUrl ??
    `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`
  ).replace(/\/+$/, '');
  config.oidc =
    'oidc' in overrides ? overrides.oidc : oidcSettings(env, file.oidc as unknown, config.publicUrl);
  config.tenantDomain = tenantDomainSetting(
    overrides.tenantDomain ?? env.RIPOSTE_TENANT_DOMAIN ?? file.tenantDomain,
    config.publicUrl,
  );
  if (!/^(sqlite|postgres|postgresql):\/\//.test(config.databaseUrl)) {
    throw new RiposteError(
      'validation_failed',
      'RIPOSTE_DATABASE_URL must start with sqlite:// or postgres://',
      {
        path: 'RIPOSTE_DATABASE_URL',
      },
    );
  }
  if (config.redisUrl !== undefined && !/^rediss?:\/\//.test(config.redisUrl)) {
    throw new RiposteError('validation_failed', 'RIPOSTE_REDIS_URL must start with redis:// or rediss://', {
      path: 'RIPOSTE_REDIS_URL',
    });
  }
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(config.redisPrefix)) {
    throw new RiposteError(
      'validation_failed',
      'RIPOSTE_REDIS_PREFIX must be 1 to 64 letters, digits, dots, dashes or underscores',
      { path: 'RIPOSTE_REDIS_PREFIX' },
    );
  }
  const tlsListener = config.syslogListeners.find((l) => l.protocol === 'tls');
  if (tlsListener && !config.syslogTls) {
    throw new RiposteError(
      'validation_failed',
      `RIPOSTE_SYSLOG has a tls:// listener (${tlsListener.host}:${tlsListener.port}/${tlsListener.source}), which needs RIPOSTE_SYSLOG_TLS_CERT and RIPOSTE_SYSLOG_TLS_KEY (the certificate it serves and its private key, PEM files)`,
      { path: 'RIPOSTE_SYSLOG_TLS_CERT' },
    );
  }
  const main = Object.freeze({ ...config, grouping: Object.freeze(config.grouping) as GroupingRule[] });
  const tenant = overrides.tenant?.slug ?? env.RIPOSTE_TENANT;
  return tenant === undefined || tenant === '' ? main : tenantConfig(main, tenant);
}
