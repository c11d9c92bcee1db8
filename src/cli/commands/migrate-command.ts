import { loadConfig } from '../../config.ts';
import { openDatabase } from '../../store/database.ts';
import { migrate } from '../../store/migrator.ts';
import type { Io } from '../cli-context.ts';

export async function migrateCommand(_args: string[], io: Io): Promise<number> {
  const database = openDatabase(loadConfig().databaseUrl);
  try {
    const result = await migrate(database);
    io.stderr(
      result.applied.length === 0
        ? `already at ${result.current}\n`
        : `applied ${result.applied.join(', ')}\n`,
    );
    return 0;
  } finally {
    await database.close();
  }
}
