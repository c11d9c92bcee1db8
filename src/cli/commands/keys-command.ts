import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.ts';
import { resealAll } from '../../secrets/key-rotation.ts';
import {
  commitPendingKey,
  generateMasterKey,
  masterKeyHex,
  parseMasterKey,
  writePendingKey,
} from '../../security/master-key.ts';
import { CLI_ACTOR, UsageError, withRiposte, type Io } from '../cli-context.ts';

/**
 * `riposte keys rotate [--new-key KEY]` — re-seals every stored secret under a new master key in one
 * transaction. With the key file (the default) the file is replaced; with RIPOSTE_MASTER_KEY the new
 * key is printed and must be set before Riposte starts again. Stop running Riposte processes first.
 */
export async function keysRotateCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { 'new-key': { type: 'string' } } });
  const config = loadConfig();
  const next = values['new-key'] ? parseMasterKey(values['new-key'], '--new-key') : generateMasterKey();
  const result = await withRiposte(async (riposte) => {
    if (next.id === riposte.box.keyId) throw new UsageError('the new key is the current key');
    // The next key is on disk before the database depends on it; the start-up settles an interrupted rotation.
    if (!config.masterKey) writePendingKey(config.dataDir, next);
    return resealAll(riposte.database.db, riposte.box, next, riposte.audit, CLI_ACTOR);
  });
  if (!config.masterKey) {
    commitPendingKey(config.dataDir);
    io.stderr(`master key rotated ${result.from} → ${result.to}; ${config.dataDir}/master.key replaced\n`);
  } else {
    io.stdout(`${masterKeyHex(next)}\n`);
    io.stderr(
      `master key rotated ${result.from} → ${result.to}. Set RIPOSTE_MASTER_KEY to the key printed above before starting Riposte again.\n`,
    );
  }
  io.stderr(
    `re-sealed: ${Object.entries(result.resealed)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')}\n`,
  );
  return 0;
}
