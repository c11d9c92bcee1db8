import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { nowIso, nowMs } from '../core/clock.ts';
import { isFormat, FORMATS, type Format } from '../core/format.ts';
import { idFloor, newSecret } from '../core/ids.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { normalizerFor } from '../ingest/normalizers/registry.ts';
import { checkAlertLimit } from '../core/alert-limit.ts';
import type { SecretBox } from '../security/secret-box.ts';
import { hashToken, sameBytes, sameHash } from '../security/token-hash.ts';
import type { DatabaseSchema, SourceTable } from '../store/schema.ts';
import { currentSealingKeyId } from '../store/sealing-key.ts';

export interface Source {
  name: string;
  format: Format;
  options: Record<string, unknown>;
  requireSignature: boolean;
  createdAt: string;
  createdBy: string;
  /** When its token was last replaced (null: never). */
  tokenRotatedAt: string | null;
  /** Until when the token it replaced is still accepted (null: it is not). */
  previousTokenValidUntil: string | null;
  /** Quiet longer than this many seconds, it is reported silent (null: not watched). */
  expectWithinSeconds: number | null;
  /** When it last sent anything accepted, new or duplicate (to within RECEIPT_EVERY_MS; null: never). */
  lastReceivedAt: string | null;
  /** Since when it has been reported silent (null: it is not). */
  silentSince: string | null;
  /** Alerts a minute it may send (per process); past it what it sends waits (null: no limit). */
  alertLimitPerMinute: number | null;
}

/** What a source has sent lately: for telling a sensor that went quiet from one that is busy. */
export interface SourceActivity {
  /** When its newest alert was received (null: none yet). */
  lastAlertAt: string | null;
  /** Alerts received in the last hour, counted up to ACTIVITY_CAP. */
  lastHour: number;
  /** More than ACTIVITY_CAP in the last hour: `lastHour` is the cap. */
  lastHourCapped: boolean;
}

export interface NewSource {
  name: string;
  format: string;
  options?: Record<string, unknown>;
  requireSignature?: boolean;
  expectWithinSeconds?: number | null;
  alertLimitPerMinute?: number | null;
}

/** What `update` may change; the token stays (rotate it with `rotateToken`). */
export interface SourcePatch {
  format?: string;
  options?: Record<string, unknown>;
  requireSignature?: boolean;
  /** null stops watching the source for silence. */
  expectWithinSeconds?: number | null;
  /** null lifts the limit. */
  alertLimitPerMinute?: number | null;
}

const PATCHABLE = [
  'format',
  'options',
  'requireSignature',
  'expectWithinSeconds',
  'alertLimitPerMinute',
] as const;
/** The shortest and longest silence a source may be expected to keep: a minute, thirty days. */
export const MIN_EXPECT_SECONDS = 60;
export const MAX_EXPECT_SECONDS = 30 * 86_400;
/** A process writes a source's `last_received_at` at most this often. */
export const RECEIPT_EVERY_MS = 10_000;

/** `expectWithinSeconds` as given: a whole number of seconds in range, or null (not watched). */
function checkExpectation(value: unknown): number | null {
  if (value === null) return null;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < MIN_EXPECT_SECONDS ||
    value > MAX_EXPECT_SECONDS
  )
    throw new RiposteError(
      'validation_failed',
      `expectWithinSeconds must be a whole number of seconds from ${MIN_EXPECT_SECONDS} to ${MAX_EXPECT_SECONDS} (30 days), or null; got ${JSON.stringify(value)}`,
      { path: '/expectWithinSeconds' },
    );
  return value;
}

interface SourceToken {
  /** The token itself (unsealed): the key of HMAC signatures. */
  token: string;
  /** Its UTF-8 bytes: a bearer token is compared with them in constant time, with no hash per request. */
  bytes: Buffer;
}

interface CachedSource {
  source: Source;
  current: SourceToken;
  /** The token replaced last, during its grace (checked against the time at each request). */
  previous: (SourceToken & { validUntilMs: number }) | null;
  loadedAt: number;
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** The source name Riposte's own alerts carry (a silent source's, src/sources/source-watch.ts): reserved. */
export const OWN_SOURCE = 'riposte';
/** An hour's alerts of one source are counted up to this many (a count walks the index's entries). */
export const ACTIVITY_CAP = 10_000;
/** The longest a replaced token may stay valid: a week. */
export const MAX_TOKEN_GRACE_SECONDS = 7 * 24 * 3600;
/** Other processes may change a source; a short cache keeps the hot ingest path off the database. */
const CACHE_MS = 5000;
/** A request the cached copy refuses is checked again against a read at least this much newer. */
const RECHECK_AFTER_MS = 1000;
/** The refusals a source changed elsewhere could explain (a new token, a signature no longer required). */
const RECHECKED: ReadonlySet<string> = new Set(['invalid_token', 'invalid_signature', 'unauthenticated']);

/** An integer column as a number (PostgreSQL's driver may give a string), or null. */
function numberOrNull(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}

function toSource(row: SourceTable): Source {
  return {
    name: row.name,
    format: row.format as Format,
    options: JSON.parse(row.options) as Record<string, unknown>,
    requireSignature: row.require_signature === 1,
    createdAt: row.created_at,
    createdBy: row.created_by,
    tokenRotatedAt: row.token_rotated_at,
    previousTokenValidUntil:
      row.previous_valid_until !== null && row.previous_valid_until > nowIso()
        ? row.previous_valid_until
        : null,
    expectWithinSeconds: numberOrNull(row.expect_within_seconds),
    lastReceivedAt: row.last_received_at,
    silentSince: row.silent_since,
    alertLimitPerMinute: numberOrNull(row.alert_limit_per_minute),
  };
}

/**
 * The watch columns for a new expectation: watched from now when it starts, and no longer silent when
 * it stops (a source no longer watched cannot be silent).
 */
function watching(current: SourceTable, expectation: number | null): Partial<SourceTable> {
  if (expectation === null) return { expect_within_seconds: null, watched_since: null, silent_since: null };
  return {
    expect_within_seconds: expectation,
    watched_since: current.expect_within_seconds === null ? nowIso() : current.watched_since,
  };
}

function noSource(name: string): RiposteError {
  return new RiposteError('not_found', `no source named "${name}"`);
}

/** A format Riposte reads, and options its normalizer accepts (a generic source's mapping compiles). */
function checkFormatAndOptions(format: unknown, options: unknown): asserts format is Format {
  if (typeof format !== 'string' || !isFormat(format)) {
    throw new RiposteError('validation_failed', `format must be one of: ${FORMATS.join(', ')}`, {
      path: '/format',
    });
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new RiposteError('validation_failed', 'options must be an object', { path: '/options' });
  }
  normalizerFor(format).validateOptions?.(options as Record<string, unknown>);
}

/**
 * Checks options that need more than their normalizer to check (an integration instance named by
 * `options.pull`, which must exist); throws a `validation_failed` naming the option.
 */
export type OptionsCheck = (format: string, options: Readonly<Record<string, unknown>>) => Promise<void>;

/** Ingest sources: their format and options, their token, and how requests from them are authenticated. */
export class SourceService {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #box: SecretBox;
  readonly #audit: AuditLog;
  readonly #signatureWindowSeconds: number;
  readonly #cache = new Map<string, CachedSource>();
  /** Reads in flight, by source name: requests that find the entry expired together share one. */
  readonly #loading = new Map<string, Promise<CachedSource>>();

  readonly #onError: (error: unknown, what: string) => void;
  readonly #checkOptions: OptionsCheck | undefined;
  /** When this process last wrote each source's `last_received_at`, and the writes under way. */
  readonly #receipts = new Map<string, number>();
  readonly #receiptWrites = new Set<Promise<void>>();

  constructor(
    db: Kysely<DatabaseSchema>,
    box: SecretBox,
    audit: AuditLog,
    signatureWindowSeconds: number,
    onError: (error: unknown, what: string) => void = () => {},
    checkOptions?: OptionsCheck,
  ) {
    this.#db = db;
    this.#box = box;
    this.#audit = audit;
    this.#signatureWindowSeconds = signatureWindowSeconds;
    this.#onError = onError;
    this.#checkOptions = checkOptions;
  }

  /**
   * Notes that a source has just sent something accepted (new alerts or duplicates): its row's
   * `last_received_at` is written at most every RECEIPT_EVERY_MS by this process, in the background,
   * never on the path of the answer. What watching for silence reads (src/sources/source-watch.ts).
   */
  received(name: string): void {
    const now = nowMs();
    const last = this.#receipts.get(name);
    if (last !== undefined && now - last < RECEIPT_EVERY_MS) return;
    this.#receipts.set(name, now);
    const write = this.#db
      .updateTable('sources')
      .set({ last_received_at: new Date(now).toISOString() })
      .where('name', '=', name)
      .execute()
      .then(
        () => undefined,
        (error: unknown) => {
          this.#receipts.delete(name);
          this.#onError(error, `recording that source ${name} sent alerts failed`);
        },
      )
      .finally(() => this.#receiptWrites.delete(write));
    this.#receiptWrites.add(write);
  }

  /** Waits for the receipt writes under way (before the database closes). */
  async settled(): Promise<void> {
    await Promise.all([...this.#receiptWrites]);
  }

  /** Registers a source and returns it with its token (shown once; only a hash and a sealed copy are kept). */
  async create(input: NewSource, actor: Actor): Promise<{ source: Source; token: string }> {
    if (typeof input.name !== 'string' || !NAME.test(input.name)) {
      throw new RiposteError(
        'validation_failed',
        'name must be 1–63 lower-case letters, digits, "-" or "_", starting with a letter or digit',
        { path: '/name' },
      );
    }
    if (input.name === OWN_SOURCE)
      throw new RiposteError(
        'validation_failed',
        `the name "${OWN_SOURCE}" is reserved for Riposte's own alerts (a silent source, say)`,
        { path: '/name' },
      );
    const options = input.options ?? {};
    checkFormatAndOptions(input.format, options);
    await this.#checkOptions?.(input.format, options);
    const expectWithinSeconds = checkExpectation(input.expectWithinSeconds ?? null);
    const alertLimitPerMinute = checkAlertLimit(input.alertLimitPerMinute ?? null);
    const token = `rps_${newSecret()}`;
    const createdAt = nowIso();
    const row: SourceTable = {
      name: input.name,
      format: input.format,
      options: JSON.stringify(options),
      token_hash: hashToken(token),
      token_enc: '',
      require_signature: input.requireSignature ? 1 : 0,
      created_at: createdAt,
      created_by: actor.id,
      previous_token_hash: null,
      previous_token_enc: null,
      previous_valid_until: null,
      token_rotated_at: null,
      expect_within_seconds: expectWithinSeconds,
      watched_since: expectWithinSeconds === null ? null : createdAt,
      last_received_at: null,
      silent_since: null,
      alert_limit_per_minute: alertLimitPerMinute,
    };
    await this.#db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('sources')
        .select('name')
        .where('name', '=', input.name)
        .executeTakeFirst();
      if (existing)
        throw new RiposteError('conflict', `a source named "${input.name}" already exists`, {
          path: '/name',
        });
      this.#box.useSealingKey(await currentSealingKeyId(trx));
      row.token_enc = this.#box.seal(token);
      await trx.insertInto('sources').values(row).execute();
      await this.#audit.append(trx, [
        {
          actor,
          action: 'source.create',
          targetType: 'source',
          targetId: row.name,
          details: {
            format: row.format,
            requireSignature: input.requireSignature === true,
            expectWithinSeconds,
            alertLimitPerMinute,
          },
        },
      ]);
    });
    return { source: toSource(row), token };
  }

  async list(): Promise<Source[]> {
    const rows = await this.#db.selectFrom('sources').selectAll().orderBy('name').execute();
    return rows.map(toSource);
  }

  /** The sources, each with what it has sent lately (two index lookups per source). */
  async listWithActivity(): Promise<(Source & { activity: SourceActivity })[]> {
    const sources = await this.list();
    const since = idFloor('alert_', nowMs() - 3_600_000);
    return Promise.all(
      sources.map(async (source) => ({ ...source, activity: await this.#activity(source.name, since) })),
    );
  }

  /** One source with what it has sent lately. */
  async getWithActivity(name: string): Promise<Source & { activity: SourceActivity }> {
    const source = await this.get(name);
    return { ...source, activity: await this.#activity(name, idFloor('alert_', nowMs() - 3_600_000)) };
  }

  async #activity(name: string, since: string): Promise<SourceActivity> {
    // Alert ids begin with the time they were received: the newest is the last on `alerts_source`.
    const newest = await this.#db
      .selectFrom('alerts')
      .select('created_at')
      .where('source', '=', name)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const recent = await this.#db
      .selectFrom((eb) =>
        eb
          .selectFrom('alerts')
          .select('id')
          .where('source', '=', name)
          .where('id', '>=', since)
          .limit(ACTIVITY_CAP + 1)
          .as('recent'),
      )
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    const count = Number(recent.n);
    return {
      lastAlertAt: newest?.created_at ?? null,
      lastHour: Math.min(count, ACTIVITY_CAP),
      lastHourCapped: count > ACTIVITY_CAP,
    };
  }

  async get(name: string): Promise<Source> {
    return (await this.#load(name)).source;
  }

  /**
   * Changes a source's format, options or whether it requires signatures, keeping its name and token
   * (its senders need no change). The options are checked against the format they will be read
   * with, as at creation. Other processes notice within their source cache's 5 seconds.
   */
  async update(name: string, patch: SourcePatch, actor: Actor): Promise<Source> {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
      throw new RiposteError('validation_failed', 'send an object of the fields to change', { path: '/' });
    const changed = PATCHABLE.filter((field) => patch[field] !== undefined);
    if (changed.length === 0)
      throw new RiposteError('validation_failed', `name a field to change: ${PATCHABLE.join(', ')}`, {
        path: '/',
      });
    if (patch.requireSignature !== undefined && typeof patch.requireSignature !== 'boolean')
      throw new RiposteError('validation_failed', 'requireSignature must be true or false', {
        path: '/requireSignature',
      });
    const expectation =
      patch.expectWithinSeconds === undefined ? undefined : checkExpectation(patch.expectWithinSeconds);
    const limit =
      patch.alertLimitPerMinute === undefined ? undefined : checkAlertLimit(patch.alertLimitPerMinute);
    if (this.#checkOptions && (patch.format !== undefined || patch.options !== undefined)) {
      // What needs the database (an integration instance named by options.pull) is checked first.
      const current = await this.#db
        .selectFrom('sources')
        .select(['format', 'options'])
        .where('name', '=', name)
        .executeTakeFirst();
      if (!current) throw noSource(name);
      const format = patch.format ?? current.format;
      const options = patch.options ?? (JSON.parse(current.options) as Record<string, unknown>);
      checkFormatAndOptions(format, options);
      await this.#checkOptions(format, options);
    }
    const row = await this.#change(name, actor, 'source.update', false, (current) => {
      const format = patch.format ?? current.format;
      const options = patch.options ?? (JSON.parse(current.options) as Record<string, unknown>);
      checkFormatAndOptions(format, options);
      const requireSignature = patch.requireSignature ?? current.require_signature === 1;
      const expectWithinSeconds =
        expectation === undefined ? numberOrNull(current.expect_within_seconds) : expectation;
      const alertLimitPerMinute = limit === undefined ? numberOrNull(current.alert_limit_per_minute) : limit;
      return {
        changes: {
          format,
          options: JSON.stringify(options),
          require_signature: requireSignature ? 1 : 0,
          ...(expectation === undefined ? {} : watching(current, expectation)),
          alert_limit_per_minute: alertLimitPerMinute,
        },
        details: { changed, format, requireSignature, expectWithinSeconds, alertLimitPerMinute },
      };
    });
    return toSource(row);
  }

  /**
   * Replaces a source's token and returns the new one (shown once). The old one stops at once, or,
   * with `graceSeconds`, is still accepted that long — by bearer and signature alike — so senders can
   * be moved over without losing alerts; a token replaced before is dropped either way. Other
   * processes notice within their source cache's 5 seconds.
   */
  async rotateToken(
    name: string,
    input: { graceSeconds?: number },
    actor: Actor,
  ): Promise<{ source: Source; token: string }> {
    const grace = input.graceSeconds ?? 0;
    if (!Number.isInteger(grace) || grace < 0 || grace > MAX_TOKEN_GRACE_SECONDS) {
      throw new RiposteError(
        'validation_failed',
        `graceSeconds must be a whole number of seconds from 0 to ${MAX_TOKEN_GRACE_SECONDS} (a week), got ${JSON.stringify(input.graceSeconds)}`,
        { path: '/graceSeconds' },
      );
    }
    const token = `rps_${newSecret()}`;
    const row = await this.#change(name, actor, 'source.rotate_token', true, (current) => {
      const now = nowMs();
      const previousValidUntil = grace > 0 ? new Date(now + grace * 1000).toISOString() : null;
      return {
        changes: {
          token_hash: hashToken(token),
          token_enc: this.#box.seal(token),
          previous_token_hash: grace > 0 ? current.token_hash : null,
          previous_token_enc: grace > 0 ? current.token_enc : null,
          previous_valid_until: previousValidUntil,
          token_rotated_at: new Date(now).toISOString(),
        },
        details: { graceSeconds: grace, previousValidUntil },
      };
    });
    return { source: toSource(row), token };
  }

  async delete(name: string, actor: Actor): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('sources').where('name', '=', name).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw noSource(name);
      // A source of the same name created later starts its pulls afresh.
      await trx.deleteFrom('source_pull_cursors').where('source', '=', name).execute();
      await this.#audit.append(trx, [
        { actor, action: 'source.delete', targetType: 'source', targetId: name },
      ]);
    });
    this.#forget(name);
  }

  /**
   * Changes one source's row in a transaction that reads it `FOR UPDATE` (after the keyring when the
   * change seals a secret: a key rotation takes the keyring before the sources it re-seals, so the
   * two take locks in one order), audits it, and drops this process's copy. Returns the row as written.
   */
  async #change(
    name: string,
    actor: Actor,
    action: string,
    seals: boolean,
    change: (current: SourceTable) => { changes: Partial<SourceTable>; details: Record<string, unknown> },
  ): Promise<SourceTable> {
    const row = await this.#db.transaction().execute(async (trx) => {
      if (seals) this.#box.useSealingKey(await currentSealingKeyId(trx));
      const current = await trx
        .selectFrom('sources')
        .selectAll()
        .where('name', '=', name)
        .forUpdate()
        .executeTakeFirst();
      if (!current) throw noSource(name);
      const { changes, details } = change(current);
      await trx.updateTable('sources').set(changes).where('name', '=', name).execute();
      await this.#audit.append(trx, [{ actor, action, targetType: 'source', targetId: name, details }]);
      return { ...current, ...changes };
    });
    this.#forget(name);
    return row;
  }

  /** Drops this process's copy; a read that started before the change must not put the old one back. */
  #forget(name: string): void {
    this.#cache.delete(name);
    this.#loading.delete(name);
  }

  /**
   * Authenticates an ingest request: `Authorization: Bearer <source token>`, or `X-Riposte-Signature:
   * t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the token>` within the replay window.
   */
  async authenticate(
    name: string,
    headers: { authorization?: string | undefined; signature?: string | undefined },
    body: string | Uint8Array,
    nowSeconds = Math.floor(nowMs() / 1000),
  ): Promise<Source> {
    const cached = await this.#loadKnown(name, CACHE_MS);
    try {
      return this.#verify(name, cached, headers, body, nowSeconds);
    } catch (error) {
      // A token or signature requirement another process changed is not in a copy cached before it:
      // refused by a copy older than a second, the request is checked once more against a fresh read
      // (so a new token works at once everywhere, and wrong tokens cost at most a read a second).
      if (!(error instanceof RiposteError) || !RECHECKED.has(error.code)) throw error;
      if (Date.now() - cached.loadedAt < RECHECK_AFTER_MS) throw error;
      const fresh = await this.#loadKnown(name, RECHECK_AFTER_MS);
      if (fresh === cached) throw error;
      return this.#verify(name, fresh, headers, body, nowSeconds);
    }
  }

  /** The source, or the same refusal as a wrong token: a caller learns nothing of which sources exist. */
  async #loadKnown(name: string, maxAgeMs: number): Promise<CachedSource> {
    try {
      return await this.#load(name, maxAgeMs);
    } catch (error) {
      if (error instanceof RiposteError && error.code === 'not_found') {
        throw new RiposteError('invalid_token', 'the source token or signature is not valid for this source');
      }
      throw error;
    }
  }

  #verify(
    name: string,
    cached: CachedSource,
    headers: { authorization?: string | undefined; signature?: string | undefined },
    body: string | Uint8Array,
    nowSeconds: number,
  ): Source {
    // The token replaced last is still good until its grace is over (to the second, cached or not).
    const previous =
      cached.previous !== null && cached.previous.validUntilMs > nowSeconds * 1000 ? cached.previous : null;
    if (headers.signature !== undefined) {
      this.#checkSignature(
        headers.signature,
        cached.current.token,
        previous?.token ?? null,
        body,
        nowSeconds,
      );
      return cached.source;
    }
    if (cached.source.requireSignature) {
      throw new RiposteError('unauthenticated', `source "${name}" requires an X-Riposte-Signature header`);
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
    if (!bearer) {
      throw new RiposteError(
        'unauthenticated',
        'send the source token as "Authorization: Bearer <token>" or sign the body',
      );
    }
    const given = Buffer.from(bearer);
    if (!sameBytes(given, cached.current.bytes) && !(previous !== null && sameBytes(given, previous.bytes))) {
      throw new RiposteError('invalid_token', 'the source token or signature is not valid for this source');
    }
    return cached.source;
  }

  #checkSignature(
    header: string,
    token: string,
    previousToken: string | null,
    body: string | Uint8Array,
    nowSeconds: number,
  ): void {
    const parts = new Map(
      header.split(',').map((p) => {
        const i = p.indexOf('=');
        return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const;
      }),
    );
    const t = parts.get('t');
    const v1 = parts.get('v1');
    if (!t || !/^\d{1,12}$/.test(t) || !v1 || !/^[0-9a-f]{64}$/i.test(v1)) {
      throw new RiposteError(
        'invalid_signature',
        'X-Riposte-Signature must look like "t=<unix seconds>,v1=<64 hex digits>"',
        {
          path: 'X-Riposte-Signature',
        },
      );
    }
    if (Math.abs(nowSeconds - Number(t)) > this.#signatureWindowSeconds) {
      throw new RiposteError(
        'stale_signature',
        `the signature timestamp ${t} is more than ${this.#signatureWindowSeconds} seconds from the server's clock (${nowSeconds})`,
        { path: 'X-Riposte-Signature' },
      );
    }
    const signed = v1.toLowerCase();
    const matches = (key: string) =>
      sameHash(createHmac('sha256', key).update(`${t}.`).update(body).digest('hex'), signed);
    if (!matches(token) && !(previousToken !== null && matches(previousToken))) {
      throw new RiposteError('invalid_signature', 'the HMAC-SHA256 of "<t>.<body>" does not match v1', {
        path: 'X-Riposte-Signature',
      });
    }
  }

  /** The cached copy if younger than `maxAgeMs`, else a fresh read (shared by the requests that wait for it). */
  async #load(name: string, maxAgeMs = CACHE_MS): Promise<CachedSource> {
    const hit = this.#cache.get(name);
    if (hit && Date.now() - hit.loadedAt < maxAgeMs) return hit;
    // Under load, every request in flight finds the entry expired at the same moment; one read (and
    // one unsealing of the token) serves them all instead of one each.
    const inFlight = this.#loading.get(name);
    if (inFlight) return inFlight;
    const loading = this.#read(name);
    this.#loading.set(name, loading);
    try {
      const entry = await loading;
      if (this.#loading.get(name) === loading) this.#cache.set(name, entry);
      return entry;
    } catch (error) {
      if (this.#loading.get(name) === loading) this.#cache.delete(name);
      throw error;
    } finally {
      if (this.#loading.get(name) === loading) this.#loading.delete(name);
    }
  }

  async #read(name: string): Promise<CachedSource> {
    const row = await this.#db.selectFrom('sources').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw noSource(name);
    const previous =
      row.previous_token_hash !== null && row.previous_token_enc !== null && row.previous_valid_until !== null
        ? {
            ...sourceToken(this.#box.open(row.previous_token_enc)),
            validUntilMs: Date.parse(row.previous_valid_until),
          }
        : null;
    return {
      source: toSource(row),
      current: sourceToken(this.#box.open(row.token_enc)),
      previous,
      loadedAt: Date.now(),
    };
  }
}

function sourceToken(token: string): SourceToken {
  return { token, bytes: Buffer.from(token) };
}

/** Senders sign with this (re-exported for the tests and tools that sign ingest requests). */
export { signBody } from '../core/request-signature.ts';
