import type { Transaction } from 'kysely';
import type { DatabaseSchema } from './schema.ts';

/** One transaction's share of a hook: what to write inside it, and what to do once it committed. */
export interface HookedTransaction<T> {
  write(trx: Transaction<DatabaseSchema>, items: readonly T[]): Promise<void>;
  /** The transaction committed (not called when it rolled back). */
  committed(): void;
}

/**
 * Lets another module write rows in the same transaction as a change it reacts to (the runs a new
 * alert triggers commit with the alert), without the writer knowing that module.
 */
export interface TransactionHook<T> {
  /** Called before each transaction opens (it may read the database). */
  prepare(): Promise<HookedTransaction<T>>;
}
