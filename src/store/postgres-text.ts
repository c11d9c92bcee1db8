import type pg from 'pg';
import { storable } from '../core/storable-text.ts';
import { wrapClientQueries } from './pg-client-query.ts';

/**
 * PostgreSQL refuses a NUL character in text (SQLSTATE 22021), so an outside string that reached a
 * statement without passing the API's check or an alert's (a vendor's answer a playbook writes into a
 * comment, a claim of an identity provider) would fail it with a 500. The pool's connections send such
 * a value with U+FFFD in place of each NUL; every other value goes as it is. Code that hashes or
 * compares a value before storing it makes it storable itself first (src/core/storable-text.ts): this
 * is the last guard, not the rule.
 */
export function withStorableText(pool: pg.Pool): pg.Pool {
  return wrapClientQueries(pool, (query) => (config, values, callback) => {
    if (Array.isArray(values) && values.some((v) => typeof v === 'string' && v.includes('\u0000')))
      return query(
        config,
        values.map((v: unknown) => (typeof v === 'string' ? storable(v) : v)),
        callback,
      );
    return query(config, values, callback);
  });
}
