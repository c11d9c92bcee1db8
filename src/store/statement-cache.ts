import type SQLite from 'better-sqlite3';

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs more than running most of ours.
 * This wraps the connection so the same SQL text reuses its prepared statement (bounded, oldest out).
 */
export function withStatementCache(database: SQLite.Database, size = 500): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  return new Proxy(database, {
    get(target, property, receiver) {
      if (property !== 'prepare') {
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (source: string) => {
        let statement = cache.get(source);
        if (statement === undefined) {
          statement = target.prepare(source);
          if (cache.size >= size) cache.delete(cache.keys().next().value!);
          cache.set(source, statement);
        }
        return statement;
      };
    },
  });
}
