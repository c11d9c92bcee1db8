import type pg from 'pg';
import { wrapClientQueries } from './pg-client-query.ts';

/** Statement texts that run often enough on PostgreSQL to be parsed once per connection, and their names. */
const names = new Map<string, string>();
/** The registry stays small: each name costs a prepared statement in every pooled connection. */
const MAX_PREPARED = 64;

/**
 * Marks a statement text to be prepared on PostgreSQL: each connection parses it once and then only
 * binds values. Meant for the large multi-row INSERTs of the ingest path, whose parsing cost the
 * server about a third of the insert (bench: 400-row alert INSERTs, 31 → 23 µs per row), and which
 * have no plan to choose. Not for a query whose best plan depends on its values: after five
 * executions PostgreSQL may keep one generic plan for all values (preparing the engine's run-state
 * UPDATE, a join against VALUES, halved its throughput, most likely by that). Past MAX_PREPARED
 * texts, further ones run unprepared as before.
 */
export function prepareOnPostgres(text: string): void {
  if (names.has(text) || names.size >= MAX_PREPARED) return;
  names.set(text, `riposte_${names.size + 1}`);
}

/**
 * Makes the pool's connections send the marked texts as named (prepared) statements. Kysely hands
 * `client.query(text, values)` to node-postgres; a marked text goes as `{ name, text, values }`,
 * which node-postgres parses once per connection and reuses.
 */
export function withPreparedStatements(pool: pg.Pool): pg.Pool {
  return wrapClientQueries(pool, (query) => (config, values, callback) => {
    if (typeof config === 'string' && Array.isArray(values)) {
      const name = names.get(config);
      if (name !== undefined) return query({ name, text: config, values }, callback);
    }
    return query(config, values, callback);
  });
}
