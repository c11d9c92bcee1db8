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
  const result = await withRiposte(async (riposte) => {
    // The next key is on disk before the database depends on it, written under the keyring's lock so
    // that a process starting meanwhile waits instead of taking it for a dead rotation's.
    return resealAll(riposte.database.db, riposte.box, next, riposte.audit, CLI_ACTOR, () => {
      if (!config.masterKey) writePendingKey(config.dataDir, next);
    });
  });
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
