import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

/** A new random key (for a rotation). */
export function generateMasterKey(): MasterKey {
  return fromText(randomBytes(32).toString('hex'), 'a generated key');
}

/** Parses a key given on the command line (64 hex or 44 base64 characters). */
export function parseMasterKey(text: string, origin: string): MasterKey {
  return fromText(text, origin);
}

export function masterKeyHex(key: MasterKey): string {
  return key.key.toString('hex');
}

/**
 * A rotation writes the next key beside the current one before it re-seals the database, and moves
 * it into place after the commit; a process that died in between leaves `master.key.next`, which the
 * next start settles (src/secrets/key-rotation.ts).
 */
export function pendingKeyFile(dataDir: string): string {
  return path.join(dataDir, 'master.key.next');
}

export function writePendingKey(dataDir: string, key: MasterKey): void {
  writeFileSync(pendingKeyFile(dataDir), `${masterKeyHex(key)}\n`, { mode: 0o600 });
}

export function readPendingKey(dataDir: string): MasterKey | undefined {
  const file = pendingKeyFile(dataDir);
  return existsSync(file) ? fromText(readFileSync(file, 'utf8'), file) : undefined;
}

/**
 * Makes the pending key the master key (atomic rename over master.key). A process starting beside
 * the rotation may have done it first: then the pending file is gone and master.key is `expected`.
 */
export function commitPendingKey(dataDir: string, expected?: MasterKey): void {
  try {
    renameSync(pendingKeyFile(dataDir), path.join(dataDir, 'master.key'));
  } catch (error) {
    const done =
      (error as NodeJS.ErrnoException).code === 'ENOENT' &&
      expected !== undefined &&
      keyFileKeys(dataDir)[0]?.id === expected.id;
    if (!done) throw error;
  }
}

export function discardPendingKey(dataDir: string): void {
  rmSync(pendingKeyFile(dataDir), { force: true });
}

/**
 * The keys RIPOSTE_MASTER_KEY names, comma-separated: the first seals, the others only open (records
 * sealed before a rotation, while the processes move to the new key one at a time).
 */
export function configuredMasterKeys(configured: string): MasterKey[] {
  const parts = configured.split(',').map((part) => part.trim());
  if (parts.some((part) => part === ''))
    throw new RiposteError('validation_failed', 'RIPOSTE_MASTER_KEY lists an empty key', {
      path: 'RIPOSTE_MASTER_KEY',
    });
  return parts.map((part, i) =>
    fromText(part, parts.length > 1 ? `RIPOSTE_MASTER_KEY (key ${i + 1})` : 'RIPOSTE_MASTER_KEY'),
  );
}

/**
 * The key file as it is now, and a rotation's next key if one is under way: what a running process
 * reads again when it meets a record sealed with a key it does not have (src/security/secret-box.ts).
 */
export function keyFileKeys(dataDir: string): MasterKey[] {
  const file = path.join(dataDir, 'master.key');
  const keys = existsSync(file) ? [fromText(readFileSync(file, 'utf8'), file)] : [];
  const pending = readPendingKey(dataDir);
  return pending ? [...keys, pending] : keys;
}

/** RIPOSTE_MASTER_KEY's first key if set, else `<dataDir>/master.key`, created (mode 0600) on first use. */
export function loadMasterKey(configured: string | undefined, dataDir: string): MasterKey {
  if (configured) return configuredMasterKeys(configured)[0]!;
  const file = path.join(dataDir, 'master.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return fromText(readFileSync(file, 'utf8'), file);
}
