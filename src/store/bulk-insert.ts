import { CompiledQuery, type Insertable, type Transaction } from 'kysely';
import type { Dialect } from './database.ts';
import type { DatabaseSchema } from './schema.ts';

const ROWS_PER_STATEMENT = 400;
const texts = new Map<string, string>();

export interface InsertOptions {
  /** Skip a row that conflicts with a stored one (a key already there) instead of failing. */
  ignoreConflicts?: boolean;
}

/**
 * A multi-row INSERT of rows that all have the same columns, in the order of the first row's keys,
 * without Kysely's query builder: on the ingest path, building and compiling a 400-row INSERT value
 * by value cost more than SQLite took to run it. The statement text is made once per table, column
 * list, row count and conflict handling (and so hits the prepared-statement cache), and the values go
 * as parameters.
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
    await trx.executeQuery(
      CompiledQuery.raw(
        statement(dialect, table, columns, part.length, options.ignoreConflicts === true),
        parameters,
      ),
    );
  }
}

function statement(
  dialect: Dialect,
  table: string,
  columns: string[],
  count: number,
  ignoreConflicts: boolean,
): string {
  const key = `${dialect}\u0000${table}\u0000${columns.join(',')}\u0000${count}\u0000${ignoreConflicts}`;
  let text = texts.get(key);
  if (text === undefined) {
    let n = 0;
    const placeholder = dialect === 'postgres' ? () => `$${++n}` : () => '?';
    const tuple = (): string => `(${columns.map(placeholder).join(', ')})`;
    const tuples: string[] = [];
    for (let i = 0; i < count; i++) tuples.push(tuple());
    const verb = ignoreConflicts && dialect === 'sqlite' ? 'insert or ignore' : 'insert';
    const tail = ignoreConflicts && dialect === 'postgres' ? ' on conflict do nothing' : '';
    text = `${verb} into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')}${tail}`;
    if (texts.size >= 200) texts.delete(texts.keys().next().value!);
    texts.set(key, text);
  }
  return text;
}
