import type { Kysely } from 'kysely';

/** Rows per transaction: large enough that commits cost little, small enough to keep memory flat. */
export const CHUNK = 5_000;

type Row = Record<string, unknown>;

/**
 * Writes rows straight through the store (Kysely, multi-row INSERTs in one transaction), as many per
 * statement as the dialects' bound-parameter limits allow.
 */
export async function write<T extends object>(
  db: Kysely<unknown>,
  table: string,
  rows: readonly T[],
): Promise<void> {
  if (rows.length === 0) return;
  const perStatement = Math.max(1, Math.min(1000, Math.floor(30_000 / Object.keys(rows[0]!).length)));
  const typed = db as unknown as Kysely<Record<string, Row>>;
  await typed.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += perStatement)
      await trx
        .insertInto(table)
        .values(rows.slice(i, i + perStatement) as Row[])
        .execute();
  });
}
