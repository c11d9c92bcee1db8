import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RiposteError } from '../core/riposte-error.ts';

export interface MasterKey {
  /** Short id stored beside every ciphertext, so a later rotation knows which key sealed it. */
  id: string;
  key: Buffer;
}

function fromText(text: string, origin: string): MasterKey {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new RiposteError(
      'validation_failed',
      `${origin} must hold a 256-bit key as 64 hex characters or 44 base64 characters`,
      { path: 'RIPOSTE_MASTER_KEY' },
    );
  }
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
}

/** RIPOSTE_MASTER_KEY if set, else `<dataDir>/master.key`, created (mode 0600) on first use. */
export function loadMasterKey(configured: string | undefined, dataDir: string): MasterKey {
  if (configured) return fromText(configured, 'RIPOSTE_MASTER_KEY');
  const file = path.join(dataDir, 'master.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return fromText(readFileSync(file, 'utf8'), file);
}
