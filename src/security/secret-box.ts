import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { RiposteError } from '../core/riposte-error.ts';
import type { MasterKey } from './master-key.ts';

/**
 * Seals small secrets (source tokens, later integration credentials) with AES-256-GCM under the master
 * key: a fresh 96-bit nonce per record, the key id in the clear so rotation can find old records.
 * Format: `v1.<keyId>.<nonce>.<ciphertext>.<tag>` (base64url parts).
 */
export class SecretBox {
  readonly #master: MasterKey;
  /** Other keys records may still be sealed with (during a rotation); used to open, never to seal. */
  readonly #others: readonly MasterKey[];

  constructor(master: MasterKey, others: readonly MasterKey[] = []) {
    this.#master = master;
    this.#others = others;
  }

  /** The key id a sealed record names. */
  static keyIdOf(sealed: string): string | undefined {
    return sealed.split('.')[1];
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
    const key = keyId === this.#master.id ? this.#master : this.#others.find((k) => k.id === keyId);
    if (!key) {
      throw new RiposteError(
        'internal',
        `A stored secret was sealed with key ${keyId}, but the master key is ${this.#master.id}`,
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(nonce, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }

  /** A key for another purpose (e.g. the audit chain's HMAC), derived so the master key is never reused raw. */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#master.key, Buffer.alloc(0), `riposte:${purpose}`, 32));
  }
}
