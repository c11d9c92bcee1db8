import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.ts';
import { resealAll } from '../../secrets/key-rotation.ts';
import {
  commitPendingKey,
  configuredMasterKeys,
  generateMasterKey,
  masterKeyHex,
  parseMasterKey,
  writePendingKey,
} from '../../security/master-key.ts';
import { openRiposte } from '../../riposte.ts';
import { tenantConfig } from '../../tenants/tenant-config.ts';
import { CLI_ACTOR, withRiposte, type Io } from '../cli-context.ts';

/**
 * `riposte keys rotate [--new-key KEY]` — re-seals every stored secret under a new master key in one
 * transaction, beside running processes. With the key file (the default) the file is replaced and
 * running processes read it when they meet the new key; with RIPOSTE_MASTER_KEY the new key is printed
 * and each process needs it (docs/security.md#rotating-it).
 */
export async function keysRotateCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { 'new-key': { type: 'string' } } });
  const config = loadConfig();
  // RIPOSTE_MASTER_KEY=NEW,OLD: the processes have the new key already; the database moves to it.
  const listed = config.masterKey ? configuredMasterKeys(config.masterKey) : [];
  const given = values['new-key'] ? parseMasterKey(values['new-key'], '--new-key') : undefined;
  const next = given ?? (listed.length > 1 ? listed[0]! : generateMasterKey());
  const generated = given === undefined && listed.length <= 1;
  const { result, tenants } = await withRiposte(async (riposte) => {
    // RIPOSTE_MASTER_KEY seals the tenants' databases too; with key files each has a key of its own.
    const tenants =
      config.masterKey && riposte.tenants
        ? (await riposte.tenants.registry.list())
            .filter((t) => t.status !== 'provisioning')
            .map((t) => t.slug)
        : [];
    // The next key is on disk before the database depends on it, written under the keyring's lock so
    // that a process starting meanwhile waits instead of taking it for a dead rotation's.
    const result = await resealAll(riposte.database.db, riposte.box, next, riposte.audit, CLI_ACTOR, () => {
      if (!config.masterKey) writePendingKey(config.dataDir, next);
    });
    return { result, tenants };
  });
  // The tenants move to the new key with the main one (a tenant's own key file: RIPOSTE_TENANT=<slug>).
  for (const slug of tenants) {
    const tenant = await openRiposte(tenantConfig(config, slug), { tenantChecked: true });
    try {
      const moved = await resealAll(
        tenant.database.db,
        tenant.box,
        next,
        tenant.audit,
        CLI_ACTOR,
        () => undefined,
      );
      io.stderr(`tenant ${slug}: rotated ${moved.from} → ${moved.to}\n`);
    } finally {
      await tenant.close();
    }
  }
  if (!config.masterKey) {
    commitPendingKey(config.dataDir, next);
    io.stderr(`master key rotated ${result.from} → ${result.to}; ${config.dataDir}/master.key replaced\n`);
  } else if (generated) {
    io.stdout(`${masterKeyHex(next)}\n`);
    io.stderr(
      `master key rotated ${result.from} → ${result.to}. Running processes refuse secrets sealed with it until they ` +
        'have it: set RIPOSTE_MASTER_KEY to the key printed above (or to it, a comma and the old key) and restart them.\n',
    );
  } else {
    io.stderr(
      `master key rotated ${result.from} → ${result.to}. Processes whose RIPOSTE_MASTER_KEY lists it seal with it now; ` +
        'the old key can leave their lists at their next restart.\n',
    );
  }
  io.stderr(
    `re-sealed: ${Object.entries(result.resealed)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')}\n`,
  );
  return 0;
}
