import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DatabaseSchema } from '../../src/store/schema.ts';

/**
 * Interleaves two PostgreSQL transactions at a chosen point: another connection takes `lock` (a
 * `LOCK TABLE`, an advisory lock) in an open transaction; `first` is started, then, `pauseMs` later,
 * `second`, each running until it waits on the lock; `pauseMs` after that the lock is let go. Their
 * results, in order.
 */
export async function startWhileHeld<A, B>(
  db: Kysely<DatabaseSchema>,
  lock: RawBuilder<unknown>,
  first: () => Promise<A>,
  second: () => Promise<B>,
  pauseMs = 300,
): Promise<[A, B]> {
  const pause = () => new Promise((r) => setTimeout(r, pauseMs));
  return db.connection().execute(async (holder) => {
    await sql`BEGIN`.execute(holder);
    await lock.execute(holder);
    const a = first();
    await pause();
    const b = second();
    await pause();
    await sql`COMMIT`.execute(holder);
    return Promise.all([a, b]);
  });
}
