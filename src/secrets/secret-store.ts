import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { nowIso } from '../core/clock.ts';
import { RiposteError, invalidField } from '../core/riposte-error.ts';
import { MIN_SECRET_LENGTH } from '../core/secret-rules.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import { currentSealingKeyId } from '../store/sealing-key.ts';

const NAME = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_VALUE = 16_384;

export interface SecretInfo {
  name: string;
  updatedAt: string;
  updatedBy: string;
}

/**
 * Named secrets playbooks read as `secrets.<name>`: sealed with the master key at rest, decrypted only
 * into memory for a run's expressions. Values are never returned by the API or written to the audit log.
 */
export class SecretStore {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #box: SecretBox;
  readonly #audit: AuditLog;
  #cache: Promise<Record<string, string>> | undefined;

  constructor(db: Kysely<DatabaseSchema>, box: SecretBox, audit: AuditLog) {
    this.#db = db;
    this.#box = box;
    this.#audit = audit;
  }

  async set(name: string, value: unknown, actor: Actor): Promise<SecretInfo> {
    if (!NAME.test(name))
      throw invalidField('/name', 'a secret name is a lowercase snake slug (a-z, 0-9, _)');
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || value.length > MAX_VALUE)
      throw invalidField(
        '/value',
        `value must be a string of ${MIN_SECRET_LENGTH} to ${MAX_VALUE} characters (shorter ones could not be kept out of stored runs)`,
      );
    const now = nowIso();
    await this.#db.transaction().execute(async (trx) => {
      this.#box.useSealingKey(await currentSealingKeyId(trx));
      const row = { name, value_enc: this.#box.seal(value), updated_at: now, updated_by: actor.id };
      await trx
        .insertInto('secrets')
        .values(row)
        .onConflict((oc) =>
          oc.column('name').doUpdateSet({ value_enc: row.value_enc, updated_at: now, updated_by: actor.id }),
        )
        .execute();
      await this.#audit.append(
        trx,
        [{ actor, action: 'secret.set', targetType: 'secret', targetId: name }],
        now,
      );
    });
    this.#cache = undefined;
    return { name, updatedAt: now, updatedBy: actor.id };
  }

  async delete(name: string, actor: Actor): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('secrets').where('name', '=', name).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0)
        throw new RiposteError('not_found', `no secret named "${name}"`);
      await this.#audit.append(trx, [
        { actor, action: 'secret.delete', targetType: 'secret', targetId: name },
      ]);
    });
    this.#cache = undefined;
  }

  async list(): Promise<SecretInfo[]> {
    const rows = await this.#db
      .selectFrom('secrets')
      .select(['name', 'updated_at', 'updated_by'])
      .orderBy('name')
      .execute();
    return rows.map((r) => ({ name: r.name, updatedAt: r.updated_at, updatedBy: r.updated_by }));
  }

  /** Every secret's value by name, decrypted once and kept until one changes. */
  values(): Promise<Record<string, string>> {
    if (this.#cache) return this.#cache;
    const loading = this.#db
      .selectFrom('secrets')
      .select(['name', 'value_enc'])
      .execute()
      .then((rows) => Object.fromEntries(rows.map((r) => [r.name, this.#box.open(r.value_enc)])));
    this.#cache = loading;
    // A failure (the database away, a key this process lacks) is not kept: the next call reads again.
    loading.catch(() => {
      if (this.#cache === loading) this.#cache = undefined;
    });
    return loading;
  }
}
