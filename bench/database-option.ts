import { UsageError } from '../src/cli/cli-context.ts';

/**
 * `--database-url` as the ingest and console benches take it: absent (SQLite in a temp directory) or
 * a postgres:// URL beside which each run creates, and then drops, a database of its own.
 */
export function benchDatabaseUrl(raw: string | undefined): string | undefined {
  if (raw !== undefined && !/^postgres(ql)?:\/\//.test(raw))
    throw new UsageError(
      '--database-url must be a postgres:// URL (SQLite is the default, in a temp directory)',
    );
  return raw;
}
