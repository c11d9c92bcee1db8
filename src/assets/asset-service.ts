import type { Kysely, Transaction } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { nowIso } from '../core/clock.ts';
import { RiposteError, invalidField } from '../core/riposte-error.ts';
import { moreCritical, refreshPriority } from '../cases/case-derived-state.ts';
import { CRITICALITIES, type Criticality } from '../cases/priority.ts';
import { lockGrouping } from '../cases/case-grouper.ts';
import type { Dialect } from '../store/database.ts';
import type { AssetTable, DatabaseSchema } from '../store/schema.ts';
import { inventoryRows, parseInventoryCsv } from './asset-inventory.ts';

export const ASSET_TYPES = ['host', 'ipv4', 'ipv6'] as const;
export type AssetType = (typeof ASSET_TYPES)[number];

export interface Asset {
  type: AssetType;
  value: string;
  criticality: Criticality;
  owner: string | null;
  tags: string[];
  updatedAt: string;
}

function toAsset(row: AssetTable): Asset {
  return {
    type: row.type as AssetType,
    value: row.value,
    criticality: row.criticality as Criticality,
    owner: row.owner,
    tags: JSON.parse(row.tags) as string[],
    updatedAt: row.updated_at,
  };
}

/** Validates one asset record from an API body or an import file; `at` names it in errors. */
export function parseAsset(input: unknown, at: string): Omit<Asset, 'updatedAt'> {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw invalidField(at, 'an asset must be an object');
  const a = input as Record<string, unknown>;
  if (typeof a.type !== 'string' || !(ASSET_TYPES as readonly string[]).includes(a.type)) {
    throw invalidField(`${at}/type`, `type must be one of: ${ASSET_TYPES.join(', ')}`);
  }
  if (typeof a.value !== 'string' || a.value.trim() === '' || a.value.length > 255) {
    throw invalidField(`${at}/value`, 'value must be a non-empty string of at most 255 characters');
  }
  if (typeof a.criticality !== 'string' || !(CRITICALITIES as readonly string[]).includes(a.criticality)) {
    throw invalidField(`${at}/criticality`, `criticality must be one of: ${CRITICALITIES.join(', ')}`);
  }
  if (a.owner !== undefined && a.owner !== null && typeof a.owner !== 'string')
    throw invalidField(`${at}/owner`, 'owner must be a string');
  if (a.tags !== undefined && (!Array.isArray(a.tags) || a.tags.some((t) => typeof t !== 'string'))) {
    throw invalidField(`${at}/tags`, 'tags must be a list of strings');
  }
  // Hosts match the lower-cased names the normalizers produce.
  const value = a.type === 'host' ? a.value.trim().toLowerCase() : a.value.trim();
  return {
    type: a.type as AssetType,
    value,
    criticality: a.criticality as Criticality,
    owner: (a.owner as string | undefined) ?? null,
    tags: (a.tags as string[] | undefined) ?? [],
  };
}

/** Open cases that already hold one of these assets take its criticality now, not only on their next alert. */
async function raiseOpenCases(
  trx: Transaction<DatabaseSchema>,
  assets: Omit<Asset, 'updatedAt'>[],
): Promise<void> {
  const touched = new Set<string>();
  for (let i = 0; i < assets.length; i += 400) {
    const part = assets.slice(i, i + 400);
    const rows = await trx
      .selectFrom('case_observables as co')
      .innerJoin('cases as c', 'c.id', 'co.case_id')
      .select(['c.id', 'c.asset_criticality', 'co.type', 'co.value'])
      .where('c.status', '=', 'open')
      .where('co.type', 'in', [...new Set(part.map((a) => a.type))])
      .where(
        'co.value',
        'in',
        part.map((a) => a.value),
      )
      .execute();
    for (const row of rows) {
      const asset = part.find((a) => a.type === row.type && a.value === row.value);
      if (!asset || !moreCritical(asset.criticality, row.asset_criticality as Criticality | null)) continue;
      await trx
        .updateTable('cases')
        .set({ asset_type: asset.type, asset_value: asset.value, asset_criticality: asset.criticality })
        .where('id', '=', row.id)
        .execute();
      touched.add(row.id);
    }
  }
  await refreshPriority(trx, [...touched]);
}

/** The asset list that priority reads criticality from (the full inventory integration comes later). */
export class AssetService {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #dialect: Dialect;
  readonly #audit: AuditLog;

  constructor(db: Kysely<DatabaseSchema>, dialect: Dialect, audit: AuditLog) {
    this.#db = db;
    this.#dialect = dialect;
    this.#audit = audit;
  }

  /**
   * Adds or updates assets: a JSON list in the asset list's shape (`{type, value, criticality, …}`) or
   * the inventory's (`{host, ips, owner, criticality, tags}`), or inventory CSV text.
   */
  async upsert(input: unknown, actor: Actor, format: 'json' | 'csv' = 'json'): Promise<{ upserted: number }> {
    let records: readonly unknown[];
    let at: readonly string[] = [];
    if (format === 'csv') {
      if (typeof input !== 'string') throw invalidField('/', 'the body must be CSV text');
      ({ records, at } = parseInventoryCsv(input));
    } else {
      if (!Array.isArray(input)) throw invalidField('/', 'the body must be a list of assets');
      records = input;
    }
    if (records.length > 10_000)
      throw new RiposteError('payload_too_large', 'at most 10000 assets per request');
    const assets = inventoryRows(records, at).map(({ row, at: where }) => parseAsset(row, where));
    const now = nowIso();
    await this.#db.transaction().execute(async (trx) => {
      // Grouping reads criticality from the assets as it opens and extends cases: an import takes
      // turns with it, or a case opened meanwhile would miss both the new criticality and the raise.
      await lockGrouping(trx, this.#dialect);
      for (let i = 0; i < assets.length; i += 400) {
        await trx
          .insertInto('assets')
          .values(
            assets.slice(i, i + 400).map((a) => ({ ...a, tags: JSON.stringify(a.tags), updated_at: now })),
          )
          .onConflict((oc) =>
            oc.columns(['type', 'value']).doUpdateSet((eb) => ({
              criticality: eb.ref('excluded.criticality'),
              owner: eb.ref('excluded.owner'),
              tags: eb.ref('excluded.tags'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
      await raiseOpenCases(trx, assets);
      await this.#audit.append(trx, [
        { actor, action: 'asset.upsert', targetType: 'asset', details: { count: assets.length } },
      ]);
    });
    return { upserted: assets.length };
  }

  /** One asset by type and value (playbooks look hosts and addresses up). */
  async find(type: string, value: string): Promise<Asset | undefined> {
    const key = type === 'host' ? value.trim().toLowerCase() : value.trim();
    const row = await this.#db
      .selectFrom('assets')
      .selectAll()
      .where('type', '=', type)
      .where('value', '=', key)
      .executeTakeFirst();
    return row ? toAsset(row) : undefined;
  }

  async list(): Promise<Asset[]> {
    return (
      await this.#db.selectFrom('assets').selectAll().orderBy('type').orderBy('value').limit(10_000).execute()
    ).map(toAsset);
  }
}
