import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import { newId } from '../core/ids.ts';
import { RiposteError } from '../core/riposte-error.ts';
import type { DatabaseClock } from '../store/database-clock.ts';
import type { DatabaseSchema, WorkerLeaseTable } from '../store/schema.ts';

/** Who holds a lease, as the database has it. */
export interface LeaseHolder {
  holder: string;
  host: string;
  pid: number;
  acquiredAt: string;
  expiresAt: string;
}

export interface ActionLeaseOptions {
  db: Kysely<DatabaseSchema>;
  /** Expiries are written and compared in the database's time, one for every process. */
  clock: DatabaseClock;
  /** A holder that stops renewing loses the lease this long after its last renewal. */
  leaseMs?: number;
  /** Called once if this process finds it no longer holds the lease (it must stop carrying out actions). */
  onLost: (holder: LeaseHolder | null) => void;
  onError: (error: unknown, message: string) => void;
}

export const ACTION_LEASE_MS = 30_000;
const NAME = 'actions';

/** Lease ids held by live objects of this process: a row with this pid and another id is a previous incarnation's. */
const heldHere = new Set<string>();

/**
 * Without Redis, one process at a time may carry out a database's playbook actions: the hand-out of
 * attempts is in-process, and a worker starting up re-issues every unfinished run's in-flight
 * attempts (that is how it recovers a crashed one), so two at once would make each other's attempts
 * twice. This is that one process's claim, a row in `worker_leases` renewed every third of its length.
 *
 * A holder that stops renewing loses it once it expires; a holder on the same host whose process is
 * gone loses it at once, so a restarted server does not wait for its own crashed predecessor. Times
 * are the database's (`DatabaseClock`, synced at each acquire and renewal), so two hosts whose clocks
 * disagree still agree on when a lease lapses.
 */
export class ActionLease {
  readonly id = newId('lease_');
  readonly #options: ActionLeaseOptions;
  readonly #leaseMs: number;
  readonly #host = hostname();
  #renewal: NodeJS.Timeout | undefined;
  #expiresAt = 0;
  #lost = false;

  constructor(options: ActionLeaseOptions) {
    this.#options = options;
    this.#leaseMs = options.leaseMs ?? ACTION_LEASE_MS;
  }

  /** Takes the lease if it is free; otherwise answers who holds it. Renewal starts with the lease. */
  async tryAcquire(): Promise<LeaseHolder | null> {
    const { db, clock } = this.#options;
    await clock.sync();
    for (;;) {
      const now = clock.now();
      const mine = this.#row(now);
      const inserted = await db
        .insertInto('worker_leases')
        .values(mine)
        .onConflict((c) => c.column('name').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) {
        this.#held(now);
        return null;
      }
      const row = await db
        .selectFrom('worker_leases')
        .selectAll()
        .where('name', '=', NAME)
        .executeTakeFirst();
      if (!row) continue;
      if (row.holder !== this.id && !this.#takeable(row, now)) return toHolder(row);
      // Conditional on the row being as read: of two processes taking a lapsed lease, one wins.
      const taken = await db
        .updateTable('worker_leases')
        .set(mine)
        .where('name', '=', NAME)
        .where('holder', '=', row.holder)
        .where('expires_at', '=', row.expires_at)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 1) {
        this.#held(now);
        return null;
      }
    }
  }

  /**
   * Waits for the lease, asking every sixth of its length; `onWaiting` hears the holder the first time
   * and whenever it changes. Resolves false if `signal` aborts first.
   */
  async acquire(onWaiting: (holder: LeaseHolder) => void, signal?: AbortSignal): Promise<boolean> {
    let last = '';
    while (!signal?.aborted) {
      const holder = await this.tryAcquire();
      if (!holder) return true;
      if (holder.holder !== last) onWaiting(holder);
      last = holder.holder;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#leaseMs / 6);
        signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
    return false;
  }

  /** Gives the lease up (on a clean stop), so a standby takes over at once. */
  async release(): Promise<void> {
    clearInterval(this.#renewal);
    this.#renewal = undefined;
    heldHere.delete(this.id);
    if (this.#lost) return;
    await this.#options.db
      .deleteFrom('worker_leases')
      .where('name', '=', NAME)
      .where('holder', '=', this.id)
      .execute();
  }

  #held(now: number): void {
    this.#expiresAt = now + this.#leaseMs;
    heldHere.add(this.id);
    this.#renewal ??= setInterval(() => void this.#renew(), this.#leaseMs / 3);
    this.#renewal.unref();
  }

  async #renew(): Promise<void> {
    if (this.#lost) return;
    const { db, clock } = this.#options;
    try {
      await clock.sync();
      const now = clock.now();
      const renewed = await db
        .updateTable('worker_leases')
        .set({ expires_at: iso(now + this.#leaseMs) })
        .where('name', '=', NAME)
        .where('holder', '=', this.id)
        .executeTakeFirst();
      if (Number(renewed.numUpdatedRows) === 1) {
        this.#expiresAt = now + this.#leaseMs;
        return;
      }
      const row = await db
        .selectFrom('worker_leases')
        .selectAll()
        .where('name', '=', NAME)
        .executeTakeFirst();
      this.#lose(row ? toHolder(row) : null);
    } catch (error) {
      this.#options.onError(error, 'renewing the action lease failed');
      // Past its expiry another process may hold it: stop acting on a lease that may no longer be ours.
      if (clock.now() >= this.#expiresAt) this.#lose(null);
    }
  }

  #lose(holder: LeaseHolder | null): void {
    if (this.#lost) return;
    this.#lost = true;
    clearInterval(this.#renewal);
    heldHere.delete(this.id);
    this.#options.onLost(holder);
  }

  #takeable(row: WorkerLeaseTable, now: number): boolean {
    if (row.expires_at <= iso(now)) return true;
    if (row.host !== this.#host) return false;
    if (row.pid === process.pid) return !heldHere.has(row.holder);
    return !processAlive(row.pid);
  }

  #row(now: number): WorkerLeaseTable {
    return {
      name: NAME,
      holder: this.id,
      host: this.#host,
      pid: process.pid,
      acquired_at: iso(now),
      expires_at: iso(now + this.#leaseMs),
    };
  }
}

/** The error a second process gets when it would carry out actions beside the lease's holder. */
export function leaseHeldError(holder: LeaseHolder): RiposteError {
  return new RiposteError(
    'invalid_state',
    `another Riposte process (pid ${holder.pid} on ${holder.host}, since ${holder.acquiredAt}) carries out ` +
      `this database's playbook actions, and without Redis only one may. Stop it, start this one with ` +
      `\`--role api\`, or set RIPOSTE_REDIS_URL on every process so that they share the actions`,
  );
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function toHolder(row: WorkerLeaseTable): LeaseHolder {
  return {
    holder: row.holder,
    host: row.host,
    pid: row.pid,
    acquiredAt: row.acquired_at,
    expiresAt: row.expires_at,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
