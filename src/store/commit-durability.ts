import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Which commits wait for the disk. Every commit does, but one: the writes a playbook action makes
 * while it runs (a comment on the case, the response ledger's row). Those are made durable by the
 * run's next commit instead, which records the action's outcome and always waits for the disk:
 * SQLite's WAL and PostgreSQL's WAL are each one sequential log, so a later commit that is flushed
 * flushes every frame before it. So a recorded outcome still means its effects are on disk; a
 * power cut (a process crash loses nothing) that takes the effects takes the outcome with them, and
 * the attempt is repeated with the same idempotency key, as after any crash. What this saves is a
 * flush per action write on the thread that serves everything: with the built-in playbooks, every
 * alert's triage writes a comment and a case update of its own.
 *
 * SQLite: `synchronous = NORMAL` for the transaction (FULL again after it); PostgreSQL:
 * `SET LOCAL synchronous_commit TO OFF`. A group commit writes for several callers: it defers only
 * when every job in its batch was submitted deferred (the response ledger's rows, which only
 * actions write), and otherwise waits for the disk, whoever set it going (src/store/group-commit.ts).
 */
const deferred = new AsyncLocalStorage<true>();

/** Runs `work` with its commits made durable by the next full one (an action's own writes). */
export function withDeferredDurability<T>(work: () => Promise<T>): Promise<T> {
  return deferred.run(true, work);
}

/** Runs `work` with full durability, whatever context started it (a batch that commits for others). */
export function withFullDurability<T>(work: () => T): T {
  return deferred.exit(work);
}

/** True inside `withDeferredDurability`: a transaction begun now need not wait for the disk. */
export function durabilityDeferred(): boolean {
  return deferred.getStore() === true;
}
