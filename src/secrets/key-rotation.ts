import type { Kysely } from 'kysely';
import type { Actor, AuditLog } from '../audit/audit-log.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { SecretBox } from '../security/secret-box.ts';
import type { MasterKey } from '../security/master-key.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import { currentSealingKeyId, lockKeyring } from '../store/sealing-key.ts';

export interface RotationResult {
  from: string;
  to: string;
  resealed: Record<string, number>;
}

/** Every sealed column, by table and key column; the keyring first (see `resealAll`). */
const SEALED = [
  { table: 'keyring', key: 'purpose', column: 'key_enc' },
  { table: 'sources', key: 'name', column: 'token_enc' },
  { table: 'sources', key: 'name', column: 'previous_token_enc' },
  { table: 'secrets', key: 'name', column: 'value_enc' },
  { table: 'integration_instances', key: ['integration', 'name'], column: 'secrets_enc' },
] as const;

/**
 * Re-seals every secret in the database under `next`, in one transaction: source tokens, playbook
 * secrets, integration credentials and the keyring (so the audit chain key, and the chain, survive).
 * Records already sealed with `next` are left alone, so a repeated rotation is harmless.
 *
 * Running processes may seal meanwhile. Each seals in a transaction that first reads a keyring row
 * `FOR SHARE` (`currentSealingKeyId`, then `SecretBox.useSealingKey`); this one first takes the keyring `FOR UPDATE`. So a sealing
 * transaction either commits before the rows are read here (and its record is re-sealed with the
 * rest) or reads the keyring after this commit and seals with the new key. On SQLite one writer at a
 * time does the same.
 */
export async function resealAll(
  db: Kysely<DatabaseSchema>,
  current: SecretBox,
  next: MasterKey,
  audit: AuditLog,
  actor: Actor,
  /** Called once the keyring's lock is held, before anything is re-sealed (the CLI writes `master.key.next`). */
  locked: () => void = () => undefined,
): Promise<RotationResult> {
  const sealer = new SecretBox(next);
  const resealed: Record<string, number> = {};
  let from = current.keyId;
  await db.transaction().execute(async (trx) => {
    await lockKeyring(trx);
    from = (await currentSealingKeyId(trx)) ?? from;
    if (from === next.id)
      throw new RiposteError('conflict', `the database is already sealed with key ${next.id}`);
    locked();
    const loose = trx as unknown as Kysely<Record<string, Record<string, string>>>;
    for (const { table, key, column } of SEALED) {
      const keys = (Array.isArray(key) ? key : [key]) as readonly string[];
      const rows = await loose
        .selectFrom(table)
        .select([...keys, column])
        .execute();
      let count = 0;
      for (const row of rows) {
        const sealed = row[column];
        // A column that may be empty (a source's previous token once its grace is over).
        if (sealed === null || sealed === undefined || SecretBox.keyIdOf(sealed) === next.id) continue;
        let update = loose.updateTable(table).set({ [column]: sealer.seal(current.open(sealed)) });
        for (const k of keys) update = update.where(k, '=', row[k]!);
        await update.execute();
        count++;
      }
      resealed[table] = (resealed[table] ?? 0) + count;
    }
    await audit.append(trx, [
      {
        actor,
        action: 'keys.rotate',
        targetType: 'master_key',
        targetId: next.id,
        details: { from, resealed },
      },
    ]);
  });
  return { from, to: next.id, resealed };
}
