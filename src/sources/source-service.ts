import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { nowIso, nowMs } from '../core/clock.ts';
import { isFormat, FORMATS, type Format } from '../core/format.ts';
import { newSecret } from '../core/ids.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { normalizerFor } from '../ingest/normalizers/registry.ts';
import type { SecretBox } from '../security/secret-box.ts';
import { hashToken, sameHash } from '../security/token-hash.ts';
import type { DatabaseSchema, SourceTable } from '../store/schema.ts';
import { currentSealingKeyId } from '../store/sealing-key.ts';

export interface Source {
  name: string;
  format: Format;
  options: Record<string, unknown>;
  requireSignature: boolean;
  createdAt: string;
  createdBy: string;
}

export interface NewSource {
  name: string;
  format: string;
  options?: Record<string, unknown>;
  requireSignature?: boolean;
}

interface CachedSource {
  source: Source;
  tokenHash: string;
  token: string;
  loadedAt: number;
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** Other processes may change a source; a short cache keeps the hot ingest path off the database. */
const CACHE_MS = 5000;

function toSource(row: SourceTable): Source {
  return {
    name: row.name,
    format: row.format as Format,
    options: JSON.parse(row.options) as Record<string, unknown>,
    requireSignature: row.require_signature === 1,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

/** Ingest sources: their format and options, their token, and how requests from them are authenticated. */
export class SourceService {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #box: SecretBox;
  readonly #audit: AuditLog;
  readonly #signatureWindowSeconds: number;
  readonly #cache = new Map<string, CachedSource>();
  /** Reads in flight, by source name: requests that find the entry expired together share one. */
  readonly #loading = new Map<string, Promise<CachedSource>>();

  constructor(db: Kysely<DatabaseSchema>, box: SecretBox, audit: AuditLog, signatureWindowSeconds: number) {
    this.#db = db;
    this.#box = box;
    this.#audit = audit;
    this.#signatureWindowSeconds = signatureWindowSeconds;
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
    if (typeof input.format !== 'string' || !isFormat(input.format)) {
      throw new RiposteError('validation_failed', `format must be one of: ${FORMATS.join(', ')}`, {
        path: '/format',
      });
    }
    const options = input.options ?? {};
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new RiposteError('validation_failed', 'options must be an object', { path: '/options' });
    }
    normalizerFor(input.format).validateOptions?.(options);
    const token = `rps_${newSecret()}`;
    const row: SourceTable = {
      name: input.name,
      format: input.format,
      options: JSON.stringify(options),
      token_hash: hashToken(token),
      token_enc: '',
      require_signature: input.requireSignature ? 1 : 0,
      created_at: nowIso(),
      created_by: actor.id,
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
          details: { format: row.format, requireSignature: input.requireSignature === true },
        },
      ]);
    });
    return { source: toSource(row), token };
  }

  async list(): Promise<Source[]> {
    const rows = await this.#db.selectFrom('sources').selectAll().orderBy('name').execute();
    return rows.map(toSource);
  }

  async get(name: string): Promise<Source> {
    return (await this.#load(name)).source;
  }

  async delete(name: string, actor: Actor): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('sources').where('name', '=', name).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0)
        throw new RiposteError('not_found', `no source named "${name}"`);
      await this.#audit.append(trx, [
        { actor, action: 'source.delete', targetType: 'source', targetId: name },
      ]);
    });
    this.#cache.delete(name);
    // A read that started before the delete must not put the source back in the cache.
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
    let cached: CachedSource;
    try {
      cached = await this.#load(name);
    } catch (error) {
      // The same answer as a wrong token: an unauthenticated caller learns nothing about which sources exist.
      if (error instanceof RiposteError && error.code === 'not_found') {
        throw new RiposteError('invalid_token', 'the source token or signature is not valid for this source');
      }
      throw error;
    }
    if (headers.signature !== undefined) {
      this.#checkSignature(headers.signature, cached.token, body, nowSeconds);
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
    if (!sameHash(hashToken(bearer), cached.tokenHash)) {
      throw new RiposteError('invalid_token', 'the source token or signature is not valid for this source');
    }
    return cached.source;
  }

  #checkSignature(header: string, token: string, body: string | Uint8Array, nowSeconds: number): void {
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
    const expected = createHmac('sha256', token).update(`${t}.`).update(body).digest('hex');
    if (!sameHash(expected, v1.toLowerCase())) {
      throw new RiposteError('invalid_signature', 'the HMAC-SHA256 of "<t>.<body>" does not match v1', {
        path: 'X-Riposte-Signature',
      });
    }
  }

  async #load(name: string): Promise<CachedSource> {
    const hit = this.#cache.get(name);
    if (hit && Date.now() - hit.loadedAt < CACHE_MS) return hit;
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
    if (!row) throw new RiposteError('not_found', `no source named "${name}"`);
    return {
      source: toSource(row),
      tokenHash: row.token_hash,
      token: this.#box.open(row.token_enc),
      loadedAt: Date.now(),
    };
  }
}

/** Senders sign with this (re-exported for the tests and tools that sign ingest requests). */
export { signBody } from '../core/request-signature.ts';
