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

/** Makes the pending key the master key (atomic rename over master.key). */
export function commitPendingKey(dataDir: string): void {
  renameSync(pendingKeyFile(dataDir), path.join(dataDir, 'master.key'));
}

export function discardPendingKey(dataDir: string): void {
  rmSync(pendingKeyFile(dataDir), { force: true });
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
