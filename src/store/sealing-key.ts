import type { Transaction } from 'kysely';
import { sealedKeyId } from '../core/sealed-key-id.ts';
import type { DatabaseSchema } from './schema.ts';

/**
 * The master key id the database is sealed with now, as its keyring says, read `FOR SHARE`: a
 * transaction that seals a secret asks this first (`SecretBox.useSealingKey`), and a rotation takes
 * the keyring `FOR UPDATE` before anything else, so the two take turns (src/secrets/key-rotation.ts).
 */
export async function currentSealingKeyId(trx: Transaction<DatabaseSchema>): Promise<string | undefined> {
  const row = await trx
    .selectFrom('keyring')
    .select('key_enc')
    .orderBy('purpose')
    .limit(1)
    .forShare()
    .executeTakeFirst();
  return row ? sealedKeyId(row.key_enc) : undefined;
}

/**
 * Takes the keyring `FOR UPDATE` for the rest of the transaction: a rotation, before anything else,
 * and a start settling a rotation's leftover key, which so waits for one under way.
 */
export async function lockKeyring(trx: Transaction<DatabaseSchema>): Promise<void> {
  await trx.selectFrom('keyring').select('purpose').forUpdate().execute();
}
