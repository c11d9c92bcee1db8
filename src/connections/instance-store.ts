import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { nowIso } from '../core/clock.ts';
import { RiposteError, invalidField } from '../core/riposte-error.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { Dialect } from '../store/database.ts';
import type { DatabaseSchema, IntegrationInstanceTable } from '../store/schema.ts';
import type { IntegrationDefinition } from '../integrations/sdk/integration.ts';
import { ADVISORY_LOCKS, takeTurn } from '../store/advisory-locks.ts';
import { currentSealingKeyId } from '../store/sealing-key.ts';

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function defaultsOf(integration: IntegrationDefinition): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const f of integration.credentials) if (f.default !== undefined) fields[f.name] = f.default;
  return fields;
}

/** An instance as the API shows it: secret fields are write-only, reported only as set or not. */
export interface InstanceView {
  integration: string;
  name: string;
  isDefault: boolean;
  fields: Record<string, string>;
  secrets: Record<string, 'set' | 'unset'>;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  lastTest: { at: string; ok: boolean; error: string | null } | null;
  /** The last action run through this instance (recorded at most once a second unless the outcome changes). */
  lastAction: { action: string; at: string; ok: boolean; error: string | null } | null;
}

/** What an action runs with. */
export interface ResolvedInstance {
  integration: string;
  name: string;
  fields: Record<string, string>;
}

/** How often an instance's last action outcome is written while the outcome stays the same. */
const ACTION_RECORD_INTERVAL_MS = 1_000;
const MESSAGE_MAX = 1_000;

/** A message about an instance with its secret values replaced by `***` (the HTTP client masks most already). */
export function withoutCredentials(
  message: string,
  integration: IntegrationDefinition,
  instance: ResolvedInstance,
): string {
  let text = message;
  for (const field of integration.credentials) {
    const value = field.secret ? instance.fields[field.name] : undefined;
    if (value && value.length >= 4) text = text.split(value).join('***');
  }
  return text.length > MESSAGE_MAX ? `${text.slice(0, MESSAGE_MAX)}…` : text;
}

/**
 * Configured instances of integrations. Non-secret fields are stored as JSON; the secret ones are
 * sealed together (AES-256-GCM, fresh nonce, the key id beside the ciphertext) under the master key.
 */
export class InstanceStore {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #dialect: Dialect;
  readonly #box: SecretBox;
  readonly #audit: AuditLog;
  readonly #cache = new Map<string, ResolvedInstance>();
  readonly #lastRecorded = new Map<string, { at: number; ok: boolean }>();

  constructor(db: Kysely<DatabaseSchema>, dialect: Dialect, box: SecretBox, audit: AuditLog) {
    this.#db = db;
    this.#dialect = dialect;
    this.#box = box;
    this.#audit = audit;
  }

  /**
   * Creates or replaces an instance. A secret field left out or left empty keeps its stored value;
   * `clearSecrets: [name, …]` removes stored ones.
   */
  async put(
    integration: IntegrationDefinition,
    name: string,
    body: unknown,
    actor: Actor,
  ): Promise<InstanceView> {
    if (!NAME.test(name))
      throw invalidField('/name', 'an instance name is lowercase letters, digits, - and _');
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      throw new RiposteError('validation_failed', 'the body must be a JSON object', { path: '/' });
    const {
      fields: given = {},
      isDefault,
      clearSecrets = [],
    } = body as { fields?: unknown; isDefault?: unknown; clearSecrets?: unknown };
    if (given === null || typeof given !== 'object' || Array.isArray(given))
      throw invalidField('/fields', 'fields must be an object of strings');
    if (isDefault !== undefined && typeof isDefault !== 'boolean')
      throw invalidField('/isDefault', 'isDefault must be true or false');
    const known = new Map(integration.credentials.map((f) => [f.name, f]));
    // Every integration may point elsewhere; one that needs its own URL declares base_url itself.
    if (!known.has('base_url'))
      known.set('base_url', { name: 'base_url', label: 'Base URL', secret: false, required: false });
    // A paid plan allows more than the integration's declared (free-tier) rate; the instance may say so.
    if (!known.has('requests_per_minute'))
      known.set('requests_per_minute', {
        name: 'requests_per_minute',
        label: 'Requests per minute (overrides the integration’s default rate limit)',
        secret: false,
        required: false,
      });
    if (!Array.isArray(clearSecrets))
      throw invalidField('/clearSecrets', 'clearSecrets must be a list of secret field names');
    for (const [i, name] of clearSecrets.entries())
      if (typeof name !== 'string' || known.get(name)?.secret !== true)
        throw invalidField(
          `/clearSecrets/${i}`,
          `${integration.id} has no secret field "${String(name)}"; its secret fields are ${
            [...known.values()]
              .filter((f) => f.secret)
              .map((f) => f.name)
              .join(', ') || 'none'
          }`,
        );
    for (const [key, value] of Object.entries(given)) {
      if (!known.has(key))
        throw invalidField(
          `/fields/${key}`,
          `${integration.id} has no field "${key}"; it has ${[...known.keys()].join(', ')}`,
        );
      if (typeof value !== 'string' || value.length > 16_384)
        throw invalidField(`/fields/${key}`, `${key} must be a string`);
    }
    // Two changes to one integration's instances take turns (PostgreSQL: a lock per integration;
    // SQLite's writer lets one in at a time): each reads what the other wrote, so neither loses the
    // other's stored secrets, and only one instance ends up the default.
    await this.#db.transaction().execute(async (trx) => {
      await takeTurn(trx, this.#dialect, ADVISORY_LOCKS.instances, integration.id);
      this.#box.useSealingKey(await currentSealingKeyId(trx));
      const previous = await this.#row(trx, integration.id, name);
      const { fields, secrets } = merged(
        known,
        given as Record<string, string>,
        clearSecrets as string[],
        previous && {
          fields: JSON.parse(previous.fields) as Record<string, string>,
          secrets: JSON.parse(this.#box.open(previous.secrets_enc)) as Record<string, string>,
        },
      );
      const now = nowIso();
      const makeDefault = isDefault === true || !(await this.#hasDefault(trx, integration.id, name));
      if (makeDefault)
        await trx
          .updateTable('integration_instances')
          .set({ is_default: 0 })
          .where('integration', '=', integration.id)
          .execute();
      const row: IntegrationInstanceTable = {
        integration: integration.id,
        name,
        fields: JSON.stringify(fields),
        secrets_enc: this.#box.seal(JSON.stringify(secrets)),
        is_default: makeDefault ? 1 : (previous?.is_default ?? 0),
        created_at: previous?.created_at ?? now,
        updated_at: now,
        updated_by: actor.id,
        // A changed configuration has not been tested yet; the last action stays what it was.
        last_test_at: null,
        last_test_ok: null,
        last_test_error: null,
        last_action: previous?.last_action ?? null,
        last_action_at: previous?.last_action_at ?? null,
        last_action_ok: previous?.last_action_ok ?? null,
        last_action_error: previous?.last_action_error ?? null,
      };
      if (previous)
        await trx
          .updateTable('integration_instances')
          .set(row)
          .where('integration', '=', integration.id)
          .where('name', '=', name)
          .execute();
      else await trx.insertInto('integration_instances').values(row).execute();
      await this.#audit.append(
        trx,
        [
          {
            actor,
            action: previous ? 'integration.instance.update' : 'integration.instance.create',
            targetType: 'integration_instance',
            targetId: `${integration.id}/${name}`,
            // Which fields changed, never their values.
            details: {
              fields: Object.keys(given),
              ...(clearSecrets.length ? { cleared: clearSecrets } : {}),
            },
          },
        ],
        now,
      );
    });
    this.#cache.clear();
    return this.view(integration, name);
  }

  async remove(integration: string, name: string, actor: Actor): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const result = await trx
        .deleteFrom('integration_instances')
        .where('integration', '=', integration)
        .where('name', '=', name)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0)
        throw new RiposteError('not_found', `${integration} has no instance "${name}"`);
      await this.#audit.append(trx, [
        {
          actor,
          action: 'integration.instance.delete',
          targetType: 'integration_instance',
          targetId: `${integration}/${name}`,
        },
      ]);
    });
    this.#cache.clear();
  }

  async list(integration?: IntegrationDefinition): Promise<InstanceView[]> {
    let query = this.#db.selectFrom('integration_instances').selectAll();
    if (integration) query = query.where('integration', '=', integration.id);
    const rows = await query.orderBy('integration').orderBy('name').execute();
    return rows.map((row) => this.#toView(row));
  }

  async view(integration: IntegrationDefinition, name: string): Promise<InstanceView> {
    const row = await this.#row(this.#db, integration.id, name);
    if (!row) throw new RiposteError('not_found', `${integration.id} has no instance "${name}"`);
    return this.#toView(row);
  }

  /** The named instance, or the integration's default one; decrypted, for running an action. */
  async resolve(integration: IntegrationDefinition, name: string | undefined): Promise<ResolvedInstance> {
    const key = `${integration.id}/${name ?? ''}`;
    const cached = this.#cache.get(key);
    if (cached) return cached;
    let query = this.#db
      .selectFrom('integration_instances')
      .selectAll()
      .where('integration', '=', integration.id);
    query = name === undefined ? query.where('is_default', '=', 1) : query.where('name', '=', name);
    const row = await query.executeTakeFirst();
    // An integration with nothing to configure (offline geolocation) works without an instance.
    if (!row && name === undefined && integration.credentials.every((f) => !f.required)) {
      const implicit = { integration: integration.id, name: 'default', fields: defaultsOf(integration) };
      this.#cache.set(key, implicit);
      return implicit;
    }
    if (!row)
      throw new RiposteError(
        'not_found',
        name === undefined
          ? `${integration.id} is not configured: add an instance (PUT /api/v1/integrations/${integration.id}/instances/{name})`
          : `${integration.id} has no instance "${name}"`,
      );
    const fields: Record<string, string> = {};
    for (const f of integration.credentials) if (f.default !== undefined) fields[f.name] = f.default;
    Object.assign(
      fields,
      JSON.parse(row.fields) as Record<string, string>,
      JSON.parse(this.#box.open(row.secrets_enc)) as Record<string, string>,
    );
    const resolved = { integration: integration.id, name: row.name, fields };
    this.#cache.set(key, resolved);
    return resolved;
  }

  /** Records a connection test's outcome; the message is stored without the instance's secrets. */
  async recordTest(
    integration: IntegrationDefinition,
    instance: ResolvedInstance,
    error: string | null,
  ): Promise<void> {
    await this.#db
      .updateTable('integration_instances')
      .set({
        last_test_at: nowIso(),
        last_test_ok: error === null ? 1 : 0,
        last_test_error: error === null ? null : withoutCredentials(error, integration, instance),
      })
      .where('integration', '=', integration.id)
      .where('name', '=', instance.name)
      .execute();
  }

  /**
   * Records how an action through an instance went, for its health. Busy instances are written at most
   * once a second while the outcome stays the same; a change (ok → error or back) is written at once.
   * Never fails the action it reports on.
   */
  async recordAction(
    integration: IntegrationDefinition,
    instance: ResolvedInstance,
    action: string,
    error: string | null,
  ): Promise<void> {
    const key = `${integration.id}/${instance.name}`;
    const now = Date.now();
    const ok = error === null;
    const last = this.#lastRecorded.get(key);
    if (last && last.ok === ok && now - last.at < ACTION_RECORD_INTERVAL_MS) return;
    this.#lastRecorded.set(key, { at: now, ok });
    try {
      await this.#db
        .updateTable('integration_instances')
        .set({
          last_action: action,
          last_action_at: new Date(now).toISOString(),
          last_action_ok: ok ? 1 : 0,
          last_action_error: error === null ? null : withoutCredentials(error, integration, instance),
        })
        .where('integration', '=', integration.id)
        .where('name', '=', instance.name)
        .execute();
    } catch {
      // Health is informative; the action's own result matters more than recording it.
      this.#lastRecorded.delete(key);
    }
  }

  /** Forget decrypted instances (after a key rotation or an edit from another process). */
  forget(): void {
    this.#cache.clear();
  }

  async #hasDefault(db: Kysely<DatabaseSchema>, integration: string, except: string): Promise<boolean> {
    const row = await db
      .selectFrom('integration_instances')
      .select('name')
      .where('integration', '=', integration)
      .where('is_default', '=', 1)
      .where('name', '!=', except)
      .executeTakeFirst();
    return row !== undefined;
  }

  async #row(
    db: Kysely<DatabaseSchema>,
    integration: string,
    name: string,
  ): Promise<IntegrationInstanceTable | undefined> {
    return db
      .selectFrom('integration_instances')
      .selectAll()
      .where('integration', '=', integration)
      .where('name', '=', name)
      .executeTakeFirst();
  }

  #toView(row: IntegrationInstanceTable): InstanceView {
    const secrets = JSON.parse(this.#box.open(row.secrets_enc)) as Record<string, string>;
    return {
      integration: row.integration,
      name: row.name,
      isDefault: row.is_default === 1,
      fields: JSON.parse(row.fields) as Record<string, string>,
      secrets: Object.fromEntries(Object.keys(secrets).map((k) => [k, 'set' as const])),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      updatedBy: row.updated_by,
      lastTest:
        row.last_test_at === null
          ? null
          : { at: row.last_test_at, ok: row.last_test_ok === 1, error: row.last_test_error },
      lastAction:
        row.last_action === null || row.last_action_at === null
          ? null
          : {
              action: row.last_action,
              at: row.last_action_at,
              ok: row.last_action_ok === 1,
              error: row.last_action_error,
            },
    };
  }
}

type CredentialField = IntegrationDefinition['credentials'][number];

/**
 * An instance's fields and secrets after a change: a field given replaces the stored one; a field left
 * out keeps it; a secret left empty keeps it too (a form never shows a stored secret, so it cannot
 * send it back), unless it is in `clear`. Checks what is required and the fields it understands.
 */
function merged(
  known: ReadonlyMap<string, CredentialField>,
  given: Record<string, string>,
  clear: readonly string[],
  previous: { fields: Record<string, string>; secrets: Record<string, string> } | undefined,
): { fields: Record<string, string>; secrets: Record<string, string> } {
  const fields: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const field of known.values()) {
    const value = given[field.name];
    if (field.secret) {
      const kept = clear.includes(field.name)
        ? value
        : value === undefined || value === ''
          ? previous?.secrets[field.name]
          : value;
      if (kept !== undefined && kept !== '') secrets[field.name] = kept;
    } else if (value !== undefined && value !== '') fields[field.name] = value;
    else if (previous && value === undefined) {
      const old = previous.fields[field.name];
      if (old !== undefined) fields[field.name] = old;
    }
    const has = field.secret ? secrets[field.name] : (fields[field.name] ?? field.default);
    if (field.required && has === undefined)
      throw invalidField(`/fields/${field.name}`, `${field.label} is required`);
  }
  if (fields['base_url'] !== undefined && !/^https?:\/\//.test(fields['base_url']))
    throw invalidField('/fields/base_url', 'base_url must be an http(s) URL');
  const rate = fields['requests_per_minute'];
  if (rate !== undefined && !(/^[0-9]{1,6}$/.test(rate) && Number(rate) >= 1))
    throw invalidField(
      '/fields/requests_per_minute',
      'requests_per_minute must be a whole number from 1 to 999999',
    );
  return { fields, secrets };
}
