import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { nowIso } from '../core/clock.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import { currentSealingKeyId } from '../store/sealing-key.ts';

/**
 * Keys Riposte uses for itself (the audit chain's HMAC key, the approval links' signing key). They are
 * stored sealed under the master key, so rotating the master key re-seals them and they stay the same:
 * the audit chain written before a rotation still verifies after it.
 */
export async function keyFor(db: Kysely<DatabaseSchema>, box: SecretBox, purpose: string): Promise<Buffer> {
  const row = await db
    .selectFrom('keyring')
    .select('key_enc')
    .where('purpose', '=', purpose)
    .executeTakeFirst();
  if (row) return Buffer.from(box.open(row.key_enc), 'hex');
  // Databases from before the keyring derived these keys from the master key: keep doing so for them,
  // once, and store the result; a new database gets a random key.
  const hasAudit =
    purpose === 'audit-chain' && (await db.selectFrom('audit_log').select('seq').limit(1).executeTakeFirst());
  const key = hasAudit ? box.deriveKey(purpose) : randomBytes(32);
  await db.transaction().execute(async (trx) => {
    // Sealed with the key the database is sealed with now (another process may have rotated it).
    box.useSealingKey(await currentSealingKeyId(trx));
    await trx
      .insertInto('keyring')
      .values({ purpose, key_enc: box.seal(key.toString('hex')), created_at: nowIso() })
      .onConflict((oc) => oc.column('purpose').doNothing())
      .execute();
  });
  // Another process may have won the race: use whatever is stored.
  const stored = await db
    .selectFrom('keyring')
    .select('key_enc')
    .where('purpose', '=', purpose)
    .executeTakeFirstOrThrow();
  return Buffer.from(box.open(stored.key_enc), 'hex');
}
