import type { Transaction } from 'kysely';
import type { DatabaseSchema } from './schema.ts';

/**
 * Lets another module write rows in the same transaction as a change it reacts to (the runs a new
 * alert triggers commit with the alert), without the writer knowing that module.
 */
export interface TransactionHook<T> {
  /** Called before the transaction opens (it may read the database); returns what to do inside it. */
  prepare(): Promise<(trx: Transaction<DatabaseSchema>, items: readonly T[]) => Promise<void>>;
  /** The transaction committed. */
  committed(): void;
}
