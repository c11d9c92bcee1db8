import { sql, type Expression, type SqlBool } from 'kysely';
import type { Dialect } from './database.ts';

/** Values per IN list on SQLite: two lists in one statement stay far below its parameter limit. */
const IN_LIST = 400;
/** Values per array parameter on PostgreSQL. */
const ARRAY = 10_000;

/**
 * `values` in the parts that one lookup statement takes each: IN lists of 400 on SQLite, arrays of
 * up to 10,000 on PostgreSQL. An array is one parameter, so PostgreSQL gets one round trip for a
 * batch where lists of 400 took several (a bulk commit of 2,000 alerts: five or six per lookup), and
 * a statement text that does not change with the batch's size.
 */
export function valueParts<T>(dialect: Dialect, values: readonly T[]): T[][] {
  const size = dialect === 'postgres' ? ARRAY : IN_LIST;
  const parts: T[][] = [];
  for (let start = 0; start < values.length; start += size) parts.push(values.slice(start, start + size));
  return parts;
}

/** `column` is one of `values` (text): `= any($1::text[])` on PostgreSQL, `IN (?, …)` on SQLite. */
export function oneOf(dialect: Dialect, column: string, values: readonly string[]): Expression<SqlBool> {
  return dialect === 'postgres'
    ? sql<SqlBool>`${sql.ref(column)} = any(${values}::text[])`
    : sql<SqlBool>`${sql.ref(column)} in (${sql.join(values)})`;
}
