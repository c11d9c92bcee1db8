import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { nowIso } from '../core/clock.ts';
import { canonicalObservable } from '../core/observable.ts';
import { RiposteError, invalidField } from '../core/riposte-error.ts';
import { hashToken, sameHash } from '../security/token-hash.ts';
import type { DatabaseSchema } from '../store/schema.ts';

export const EDL_TYPES = ['ip', 'domain', 'url'] as const;
export type EdlType = (typeof EDL_TYPES)[number];

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface EdlList {
  name: string;
  type: EdlType;
  description: string;
  createdAt: string;
}

/** The canonical form of a value for a list of this type, or null when it does not belong there. */
export function canonicalEntry(type: EdlType, value: string): string | null {
  const v = value.trim();
  if (type === 'ip') {
    const [address, prefix] = v.split('/');
    const family = isIP(address ?? '');
    if (family === 0) return null;
    if (prefix === undefined) return canonicalObservable(family === 4 ? 'ipv4' : 'ipv6', address!);
    const bits = Number(prefix);
    return Number.isInteger(bits) && bits >= 0 && bits <= (family === 4 ? 32 : 128)
      ? `${address}/${bits}`
      : null;
  }
  return canonicalObservable(type, v);
}

/**
 * External dynamic lists: named lists of IPs, domains or URLs that firewalls (PAN-OS, FortiGate, …)
 * pull as plain text, one entry per line. Entries can expire. Each list has its own pull token.
 */
export class EdlStore {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #audit: AuditLog;

  constructor(db: Kysely<DatabaseSchema>, audit: AuditLog) {
    this.#db = db;
    this.#audit = audit;
  }

  /** Creates a list; returns its pull token (shown once). */
  async create(
    input: { name: unknown; type: unknown; description?: unknown },
    actor: Actor,
  ): Promise<{ list: EdlList; token: string }> {
    const { name, type, description } = input;
    if (typeof name !== 'string' || !NAME.test(name))
      throw invalidField('/name', 'a list name is lowercase letters, digits, - and _');
    if (typeof type !== 'string' || !(EDL_TYPES as readonly string[]).includes(type))
      throw invalidField('/type', `type is one of ${EDL_TYPES.join(', ')}`);
    const token = `edl_${randomBytes(24).toString('base64url')}`;
    const now = nowIso();
    const row = {
      name,
      type,
      description: typeof description === 'string' ? description : '',
      token_hash: hashToken(token),
      created_at: now,
    };
    await this.#db.transaction().execute(async (trx) => {
      const exists = await trx
        .selectFrom('edl_lists')
        .select('name')
        .where('name', '=', name)
        .executeTakeFirst();
      if (exists) throw new RiposteError('conflict', `the list "${name}" already exists`);
      await trx.insertInto('edl_lists').values(row).execute();
      await this.#audit.append(
        trx,
        [{ actor, action: 'edl.create', targetType: 'edl', targetId: name, details: { type } }],
        now,
      );
    });
    return { list: { name, type: type as EdlType, description: row.description, createdAt: now }, token };
  }

  async lists(): Promise<EdlList[]> {
    const rows = await this.#db.selectFrom('edl_lists').selectAll().orderBy('name').execute();
    return rows.map((r) => ({
      name: r.name,
      type: r.type as EdlType,
      description: r.description,
      createdAt: r.created_at,
    }));
  }

  async list(name: string): Promise<EdlList> {
    const row = await this.#db
      .selectFrom('edl_lists')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) throw new RiposteError('not_found', `no external dynamic list "${name}"`);
    return {
      name: row.name,
      type: row.type as EdlType,
      description: row.description,
      createdAt: row.created_at,
    };
  }

  async authenticate(name: string, token: string | undefined): Promise<boolean> {
    const row = await this.#db
      .selectFrom('edl_lists')
      .select('token_hash')
      .where('name', '=', name)
      .executeTakeFirst();
    return Boolean(row && token && sameHash(row.token_hash, hashToken(token)));
  }

  /** Adds (or refreshes) an entry; returns whether it was there already. */
  async add(
    name: string,
    value: string,
    options: { expiresAt: string | null; reason: string | null; by: string },
  ): Promise<{ value: string; existed: boolean }> {
    const list = await this.list(name);
    const entry = canonicalEntry(list.type, value);
    if (!entry) throw invalidField('/value', `"${value}" is not a valid ${list.type} entry`);
    const existed = await this.has(name, entry);
    const row = {
      list: name,
      value: entry,
      reason: options.reason,
      added_at: nowIso(),
      added_by: options.by,
      expires_at: options.expiresAt,
    };
    await this.#db
      .insertInto('edl_entries')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['list', 'value']).doUpdateSet({ expires_at: row.expires_at, reason: row.reason }),
      )
      .execute();
    return { value: entry, existed };
  }

  async remove(name: string, value: string): Promise<boolean> {
    const list = await this.list(name);
    const entry = canonicalEntry(list.type, value) ?? value;
    const result = await this.#db
      .deleteFrom('edl_entries')
      .where('list', '=', name)
      .where('value', '=', entry)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Whether a live (not expired) entry is on the list. */
  async has(name: string, value: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('edl_entries')
      .select('expires_at')
      .where('list', '=', name)
      .where('value', '=', value)
      .executeTakeFirst();
    return Boolean(row && (row.expires_at === null || row.expires_at > nowIso()));
  }

  /** The list as firewalls read it: live entries, one per line. */
  async render(name: string): Promise<string> {
    await this.list(name);
    const now = nowIso();
    const rows = await this.#db
      .selectFrom('edl_entries')
      .select('value')
      .where('list', '=', name)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('value')
      .execute();
    return rows.map((r) => `${r.value}\n`).join('');
  }
}
