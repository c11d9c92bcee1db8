import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
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

export interface Config {
  dataDir: string;
  databaseUrl: string;
  redisUrl: string | undefined;
  host: string;
  port: number;
  masterKey: string | undefined;
  logLevel: string;
  /** Largest request body accepted, bytes. */
  bodyLimit: number;
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
  /** npm packages whose integrations are loaded at start-up. */
  integrationPackages: string[];
  /** Private or loopback destinations integrations may reach anyway (CIDRs or host names). */
  outboundAllow: string[];
  /** HTTP(S) proxy for every integration request. */
  outboundProxy: string | undefined;
  /** How long an expression that may run long (comprehensions, regular expressions) may take, ms. */
  expressionTimeoutMs: number;
}

export const DEFAULT_GROUPING: GroupingRule[] = [
  { match: 'rule_and_host', windowSeconds: 24 * 3600 },
  {
    match: 'observable',
    types: ['host', 'user', 'sha256', 'sha1', 'md5', 'url', 'domain'],
    windowSeconds: 6 * 3600,
  },
];

type Env = Record<string, string | undefined>;

function intSetting(env: Env, name: string, fallback: number, min: number, max: number): number {
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
    host: overrides.host ?? env.RIPOSTE_HOST ?? file.host ?? '127.0.0.1',
    port: overrides.port ?? intSetting(env, 'RIPOSTE_PORT', file.port ?? 8080, 0, 65535),
    masterKey: overrides.masterKey ?? env.RIPOSTE_MASTER_KEY ?? file.masterKey,
    logLevel: overrides.logLevel ?? env.RIPOSTE_LOG_LEVEL ?? file.logLevel ?? 'info',
    bodyLimit:
      overrides.bodyLimit ??
      intSetting(env, 'RIPOSTE_BODY_LIMIT', file.bodyLimit ?? 16 * 1024 * 1024, 1024, 1 << 30),
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
    actionConcurrency:
      overrides.actionConcurrency ??
      intSetting(env, 'RIPOSTE_ACTION_CONCURRENCY', file.actionConcurrency ?? 256, 1, 10_000),
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
  return Object.freeze({ ...config, grouping: Object.freeze(config.grouping) as GroupingRule[] });
}
