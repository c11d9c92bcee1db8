import type { Static, TSchema } from '@sinclair/typebox';
import type { ObservableType } from '../../core/alert.ts';
import type { ActionEffect, RetryPolicy } from '../../core/playbook.ts';
import type { HttpClient } from './http-client.ts';

/** A field an integration instance is configured with; `secret` ones are sealed at rest and never shown. */
export interface CredentialField {
  name: string;
  label: string;
  secret: boolean;
  required: boolean;
  description?: string;
  default?: string;
}

/** How requests are authorized, from the instance's fields. */
export type AuthScheme =
  | { kind: 'none' }
  /** `header: value` where value is `prefix + fields[field]` (`x-apikey`, `Key`, `Authorization: Bearer …`). */
  | { kind: 'header'; header: string; field: string; prefix?: string }
  | { kind: 'basic'; usernameField: string; passwordField: string }
  | { kind: 'query'; param: string; field: string };

export const VERDICTS = ['malicious', 'suspicious', 'benign', 'unknown'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** What a lookup says about one observable, recorded per provider for the enrichment summary. */
export interface EnrichmentFinding {
  verdict: Verdict;
  /** 0–100, the provider's confidence that it is malicious; null when it gives none. */
  score: number | null;
  /** A short human-readable reason ("42/90 engines", "abuse confidence 87 %"). */
  summary?: string;
}

export interface IntegrationContext {
  /** Pointed at the instance's base URL, authorization applied, rate-limited, SSRF-guarded. */
  http: HttpClient;
  /** The instance's fields, secrets included. Never put them into outputs or errors. */
  fields: Readonly<Record<string, string>>;
  instance: string;
  idempotencyKey: string;
  attempt: number;
  signal: AbortSignal;
}

/** What a response action acts on: policies, protected entities, cool-downs and the action ledger key on it. */
export const TARGET_TYPES = [
  'user',
  'host',
  'ipv4',
  'ipv6',
  'network',
  'domain',
  'url',
  'email_address',
  'message',
  'file',
  'ticket',
  'channel',
] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

export interface ActionTarget {
  type: TargetType;
  value: string;
}

export interface IntegrationAction<I extends TSchema = TSchema, O extends TSchema = TSchema> {
  /** Lowercase snake; the action id is `<integration id>.<name>`. */
  name: string;
  title: string;
  description: string;
  effect: ActionEffect;
  input: I;
  output?: O;
  /** Name of the action (same integration) that undoes this one. */
  inverse?: string;
  timeoutMs?: number;
  retry?: RetryPolicy | null;
  /** Read actions only: results are cached per instance and input for this long. */
  cacheTtlSeconds?: number;
  /** For lookups: which observable the input names and what the output says about it. */
  enrichment?: {
    observable: (input: Static<I>) => { type: ObservableType; value: string } | null;
    finding: (output: Static<O>) => EnrichmentFinding;
  };
  /** RE&CT response action id (`RA3101` block external IP, `RA3601` lock user account …). */
  react?: string;
  /** Write and destructive actions: the entity acted on. */
  target?: (input: Static<I>) => ActionTarget | null;
  /**
   * The input of the inverse action that undoes this application (rollback, expiry), from this one's
   * input and output. Needed when `inverse` is set and the inputs differ.
   */
  inverseInput?: (input: Static<I>, output: Static<O>) => Record<string, unknown>;
  /**
   * Check before act: whether the target is already in the state this action produces. When it is,
   * the action is not applied and its step reports a no-op.
   */
  alreadyApplied?: (input: Static<I>, context: IntegrationContext) => Promise<boolean>;
  run(input: Static<I>, context: IntegrationContext): Promise<Static<O>>;
}

export interface IntegrationDefinition {
  /** Lowercase snake (`virustotal`, `abuseipdb`). */
  id: string;
  name: string;
  version: string;
  categories: string[];
  /** The vendor's API documentation. */
  docs: string;
  /** Default base URL; an instance may override it with its `base_url` field. */
  baseUrl: string;
  credentials: CredentialField[];
  auth: AuthScheme;
  /** The provider's quota, enforced per instance by a token bucket. */
  rateLimit?: { requests: number; perSeconds: number };
  /** Per-request timeout of the HTTP client (default 15 s). */
  requestTimeoutMs?: number;
  /** Checks that the instance's URL and credentials work (a cheap authenticated call). */
  testConnection?: (context: IntegrationContext) => Promise<void>;
  actions: IntegrationAction[];
  /** Alerts Riposte can pull from the vendor on a schedule (a source's `options.pull`, src/pull/). */
  feed?: AlertFeed;
}

/** Typed identity helpers, so a definition is checked where it is written. */
export function defineIntegration(definition: IntegrationDefinition): IntegrationDefinition {
  return definition;
}

export function defineAction<I extends TSchema, O extends TSchema>(
  action: IntegrationAction<I, O>,
): IntegrationAction {
  return action as unknown as IntegrationAction;
}

/**
 * What an integration declares when Riposte can pull alerts from its vendor's API on a schedule
 * (a source's `options.pull`): the ingest format its records are read with, how large a page may be,
 * and one call that reads the page after a stored position. The poller (src/pull/) stores the
 * position only after the page's alerts are committed, so a crash reads the page again.
 */
export interface AlertFeed {
  /** The ingest format of the records (a `Format`: `defender`, `crowdstrike`, `okta`). */
  format: string;
  /** What the records are, for errors and the docs ("Defender for Endpoint alerts"). */
  title: string;
  pageSize: { default: number; max: number };
  /**
   * Whether `overlap_seconds` applies: a feed that reads by update time re-reads this much before its
   * watermark for records the vendor indexes late. A vendor whose own stream position never skips a
   * late record (Okta's polling requests) has none.
   */
  overlap: boolean;
  /** The vendor filter expression used when a source names none (`filter` absent); null: everything. */
  defaultFilter: string | null;
  /**
   * Reads the next page after `request.cursor`. Throws `ActionError`s (401, 429 with `retryAfterMs`,
   * 5xx, a body that is not what the vendor documents); the poller keeps the cursor where it was.
   */
  fetchPage(context: IntegrationContext, request: FeedRequest): Promise<FeedPage>;
  /** The stored position in words, for `GET /api/v1/sources/{name}` ("lastUpdateTime ≥ …"). */
  describe(cursor: unknown): string | null;
}

export interface FeedRequest {
  /** The position stored after the last committed page; null before the first. */
  cursor: unknown;
  /** Where a first pull starts (now minus the source's lookback). */
  startAt: string;
  pageSize: number;
  overlapSeconds: number;
  /** The vendor's own filter expression, ANDed with the time condition; null: none. */
  filter: string | null;
  /** The instance's base URL: links the vendor returns must stay on its origin (they carry the credentials). */
  baseUrl: string;
}

export interface FeedPage {
  /** New records in the vendor's shape, in the order they were read: what the format's normalizer reads. */
  records: unknown[];
  /** The position after this page, stored once `records` are committed. */
  cursor: unknown;
  /** Another page is waiting now (read it at once, not at the next interval). */
  more: boolean;
}
