/**
 * The key id a sealed record names: `v1.<keyId>.<nonce>.<ciphertext>.<tag>` (src/security/secret-box.ts
 * writes them). Here so that the store can read which key the database is sealed with.
 */
export function sealedKeyId(sealed: string): string | undefined {
  return sealed.split('.')[1];
}
