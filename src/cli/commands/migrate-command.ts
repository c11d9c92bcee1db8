import { loadConfig, type Config } from '../../config.ts';
import { openDatabase } from '../../store/database.ts';
import { migrate } from '../../store/migrator.ts';
import { tenantConfig } from '../../tenants/tenant-config.ts';
import type { Io } from '../cli-context.ts';

/** `riposte migrate`: the main database, then every tenant's (RIPOSTE_TENANT: that tenant's only). */
export async function migrateCommand(_args: string[], io: Io): Promise<number> {
  const config = loadConfig();
  const slugs = await migrateOne(config, io, config.tenant ? `tenant ${config.tenant.slug}: ` : '');
  for (const slug of slugs) await migrateOne(tenantConfig(config, slug), io, `tenant ${slug}: `);
  return 0;
}

/** Migrates one database; for the main one, returns its tenants (those with a database). */
async function migrateOne(config: Readonly<Config>, io: Io, label: string): Promise<string[]> {
  const database = openDatabase(config.databaseUrl);
  try {
    const result = await migrate(database);
    io.stderr(
      label +
        (result.applied.length === 0
          ? `already at ${result.current}\n`
          : `applied ${result.applied.join(', ')}\n`),
    );
    if (config.tenant) return [];
    const rows = await database.db
      .selectFrom('tenants')
      .select('slug')
      .where('status', '!=', 'provisioning')
      .orderBy('slug')
      .execute();
    return rows.map((row) => row.slug);
  } finally {
    await database.close();
  }
}
