import { UsageError } from '../src/cli/cli-context.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { openRiposte, type Riposte } from '../src/riposte.ts';
import type { ScratchDatabase } from '../src/store/scratch-database.ts';

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

/** A whole-number option (`--name`): `fallback` when absent, a usage error below `least`. */
export function wholeNumberOption(
  name: string,
  raw: string | undefined,
  fallback: number,
  least: number,
): number {
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < least) throw new UsageError(`--${name} must be a whole number ≥ ${least}`);
  return n;
}

/**
 * Riposte on a bench's scratch database: its data directory and URL, logs off, the per-principal rate
 * limit off (a bench's one token makes a day's requests in a minute), and the bench's own settings on
 * top (an empty `loadConfig` environment, so the caller's RIPOSTE_* variables do not leak in).
 */
export function openOnScratch(target: ScratchDatabase, overrides: Partial<Config> = {}): Promise<Riposte> {
  return openRiposte(
    loadConfig(
      {},
      {
        dataDir: target.dataDir,
        databaseUrl: target.url,
        logLevel: 'silent',
        rateLimitPerMinute: 0,
        ...overrides,
      },
    ),
  );
}
