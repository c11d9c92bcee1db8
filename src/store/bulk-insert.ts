import { CompiledQuery, type Insertable, type Transaction } from 'kysely';
import type { Dialect } from './database.ts';
import { prepareOnPostgres } from './prepared-statements.ts';
import type { DatabaseSchema } from './schema.ts';

const ROWS_PER_STATEMENT = 400;
const texts = new Map<string, string>();

/** What a row whose key is already stored does; without either, the statement fails, as any INSERT. */
export type InsertOptions =
  | {
      /** Skip a row that conflicts with a stored one (a key already there) instead of failing. */
      ignoreConflicts?: boolean;
      updateOnConflict?: never;
    }
  | {
      /** Upsert: a row whose `key` is stored updates these columns of the stored row with its own values. */
      updateOnConflict: { key: readonly string[]; columns: readonly string[] };
      ignoreConflicts?: never;
    };

/**
 * A multi-row INSERT of rows that all have the same columns, in the order of the first row's keys,
 * without Kysely's query builder: on the ingest path, building and compiling a 400-row INSERT value
 * by value cost more than SQLite took to run it. The statement text is made once per table, column
 * list, row count and conflict handling (and so hits SQLite's statement cache; on PostgreSQL the full
 * chunks are prepared once per connection), and the values go as parameters.
 */
export async function insertRows<T extends keyof DatabaseSchema>(
  trx: Transaction<DatabaseSchema>,
  dialect: Dialect,
  table: T,
  rows: readonly Insertable<DatabaseSchema[T]>[],
  options: InsertOptions = {},
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const part = rows.slice(start, start + ROWS_PER_STATEMENT);
    const parameters: unknown[] = [];
    for (const row of part) {
      const values = row as unknown as Record<string, unknown>;
      for (const column of columns) parameters.push(values[column] ?? null);
    }
    const text = statement(dialect, table, columns, part.length, options);
    // Full chunks repeat with every large batch: PostgreSQL parses them once per connection.
    if (dialect === 'postgres' && part.length === ROWS_PER_STATEMENT) prepareOnPostgres(text);
    await trx.executeQuery(CompiledQuery.raw(text, parameters));
  }
}

function statement(
  dialect: Dialect,
  table: string,
  columns: string[],
  count: number,
  options: InsertOptions,
): string {
  const upsert = options.updateOnConflict;
  const onConflict = upsert
    ? `u${upsert.key.join(',')}\u0001${upsert.columns.join(',')}`
    : options.ignoreConflicts === true
      ? 'i'
      : '';
  const key = `${dialect}\u0000${table}\u0000${columns.join(',')}\u0000${count}\u0000${onConflict}`;
  let text = texts.get(key);
  if (text === undefined) {
    let n = 0;
    const placeholder = dialect === 'postgres' ? () => `$${++n}` : () => '?';
    const tuple = (): string => `(${columns.map(placeholder).join(', ')})`;
    const tuples: string[] = [];
    for (let i = 0; i < count; i++) tuples.push(tuple());
    const ignore = onConflict === 'i';
    const verb = ignore && dialect === 'sqlite' ? 'insert or ignore' : 'insert';
    const tail = upsert
      ? ` on conflict (${upsert.key.map(quoted).join(', ')}) do update set ${upsert.columns
          .map((c) => `${quoted(c)} = excluded.${quoted(c)}`)
          .join(', ')}`
      : ignore && dialect === 'postgres'
        ? ' on conflict do nothing'
        : '';
    text = `${verb} into ${quoted(table)} (${columns.map(quoted).join(', ')}) values ${tuples.join(', ')}${tail}`;
    if (texts.size >= 200) texts.delete(texts.keys().next().value!);
    texts.set(key, text);
  }
  return text;
}

function quoted(name: string): string {
  return `"${name}"`;
}
