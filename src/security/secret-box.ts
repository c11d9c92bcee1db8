import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { RiposteError } from '../core/riposte-error.ts';
import { sealedKeyId } from '../core/sealed-key-id.ts';
import type { MasterKey } from './master-key.ts';

/**
 * Seals small secrets (source tokens, later integration credentials) with AES-256-GCM under the master
 * key: a fresh 96-bit nonce per record, the key id in the clear so rotation can find old records.
 * Format: `v1.<keyId>.<nonce>.<ciphertext>.<tag>` (base64url parts).
 */
export class SecretBox {
  #master: MasterKey;
  /** Other keys records may still be sealed with (during a rotation); used to open, never to seal. */
  #others: readonly MasterKey[];
  /** Reads the keys again (the key file, after a rotation another process made); none with RIPOSTE_MASTER_KEY. */
  readonly #reload: (() => MasterKey[]) | undefined;

  constructor(master: MasterKey, others: readonly MasterKey[] = [], reload?: () => MasterKey[]) {
    this.#master = master;
    this.#others = others;
    this.#reload = reload;
  }

  /** The key id a sealed record names. */
  static keyIdOf(sealed: string): string | undefined {
    return sealedKeyId(sealed);
  }

  get keyId(): string {
    return this.#master.id;
  }

  seal(plaintext: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#master.key, nonce);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', this.#master.id, nonce, body, cipher.getAuthTag()]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  open(sealed: string): string {
    const [version, keyId, nonce, body, tag] = sealed.split('.');
    if (version !== 'v1' || nonce === undefined || body === undefined || tag === undefined) {
      throw new RiposteError('internal', 'A stored secret is not in the v1 sealed format');
    }
    const key = this.#key(keyId) ?? (this.#reloaded() ? this.#key(keyId) : undefined);
    if (!key) throw rotatedAway(keyId ?? '?', this.#master.id);
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(nonce, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }

  /**
   * Seals with `keyId` from now on: the key the database is sealed with now, which the sealing
   * transaction read (`currentSealingKeyId`). Another process may have rotated the master key since
   * this one started; with the key file it reads the new key, with RIPOSTE_MASTER_KEY it refuses (a
   * record sealed with a key the others no longer have could not be opened again).
   */
  useSealingKey(keyId: string | undefined): void {
    if (keyId === undefined || keyId === this.#master.id) return;
    const key = this.#key(keyId) ?? (this.#reloaded() ? this.#key(keyId) : undefined);
    if (!key) throw rotatedAway(keyId, this.#master.id);
    this.#others = [this.#master, ...this.#others.filter((k) => k.id !== key.id)];
    this.#master = key;
  }

  #key(id: string | undefined): MasterKey | undefined {
    return id === this.#master.id ? this.#master : this.#others.find((k) => k.id === id);
  }

  /** Takes in keys read again; true if any was new. */
  #reloaded(): boolean {
    const known = new Set([this.#master.id, ...this.#others.map((k) => k.id)]);
    const fresh = (this.#reload?.() ?? []).filter((k) => !known.has(k.id));
    if (fresh.length === 0) return false;
    this.#others = [...this.#others, ...fresh];
    return true;
  }

  /** A key for another purpose (e.g. the audit chain's HMAC), derived so the master key is never reused raw. */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#master.key, Buffer.alloc(0), `riposte:${purpose}`, 32));
  }
}

function rotatedAway(keyId: string, own: string): RiposteError {
  return new RiposteError(
    'invalid_state',
    `a stored secret is sealed with master key ${keyId}, which this process does not have (its key is ${own}): ` +
      'the master key was rotated. Start this process again with the new key (RIPOSTE_MASTER_KEY), or list ' +
      'the new key first and the old one after it while the processes move over',
  );
}
