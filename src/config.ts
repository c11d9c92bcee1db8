import { availableParallelism } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SEVERITIES, type Severity } from './core/alert.ts';
import { RiposteError } from './core/riposte-error.ts';

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
  protocol: 'udp' | 'tcp';
  host: string;
  port: number;
  /** The source its messages are ingested as (its format reads them). */
  source: string;
}

/** `RIPOSTE_SYSLOG`: comma-separated `udp://host:port/source` or `tcp://host:port/source`. */
function parseSyslogListeners(text: string | undefined): SyslogListenerConfig[] | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === '') return [];
  return text.split(',').map((entry, i) => {
    const spec = entry.trim();
    const url = URL.parse(spec);
    const source = url ? decodeURIComponent(url.pathname.replace(/^\//, '')) : '';
    const protocol = url?.protocol.replace(/:$/, '');
    const port = url ? Number(url.port) : NaN;
    if (
      !url ||
      (protocol !== 'udp' && protocol !== 'tcp') ||
      !url.hostname ||
      !Number.isInteger(port) ||
      url.port === '' ||
      source === ''
    )
      throw new RiposteError(
        'validation_failed',
        `RIPOSTE_SYSLOG entry ${i + 1} ("${spec}") must be udp://host:port/source or tcp://host:port/source`,
        { path: 'RIPOSTE_SYSLOG' },
      );
    return { protocol, host: url.hostname.replace(/^\[|\]$/g, ''), port, source };
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
  };
  config.publicUrl = (
    overrides.publicUrl ??
    env.RIPOSTE_PUBLIC_URL ??
    file.publicUrl ??
    `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`
  ).replace(/\/+$/, '');
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
  return Object.freeze({ ...config, grouping: Object.freeze(config.grouping) as GroupingRule[] });
}
