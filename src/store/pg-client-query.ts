import type pg from 'pg';

/** node-postgres's `client.query(config, values, callback)`, as Kysely calls it. */
export type ClientQuery = (config: unknown, values?: unknown, callback?: unknown) => unknown;

/** Puts `wrap` around `client.query` of every connection the pool opens (Kysely sends every statement through it). */
export function wrapClientQueries(pool: pg.Pool, wrap: (query: ClientQuery) => ClientQuery): pg.Pool {
  pool.on('connect', (client) => {
    const target = client as unknown as { query: ClientQuery };
    target.query = wrap(target.query.bind(client) as ClientQuery);
  });
  return pool;
}
