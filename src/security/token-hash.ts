import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Tokens are 192-bit random secrets, so one SHA-256 is enough to store them (no slow hash needed:
 * there is nothing to brute-force), and lookups by hash stay fast.
 */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  return sameBytes(Buffer.from(a), Buffer.from(b));
}

/** Constant time for equal lengths; bytes of another length differ at once (secrets have one length). */
export function sameBytes(given: Buffer, expected: Buffer): boolean {
  return given.length === expected.length && timingSafeEqual(given, expected);
}
