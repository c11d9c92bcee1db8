import { constants, createHmac, sign, type KeyObject } from 'node:crypto';

/** How a test token is signed: with a private key by a JWS algorithm, HMAC'd with any bytes, or not at all. */
export type Signer = { key: KeyObject } | { hmac: Buffer } | 'unsigned';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A compact JWS, signed the way an OpenID provider signs ID tokens (RFC 7515, RFC 7518 §3): the
 * algorithm is whatever `header.alg` says, so tests can also produce what a provider must not.
 */
export function signJws(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signer: Signer,
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  if (signer === 'unsigned') return `${input}.`;
  if ('hmac' in signer) {
    const hash = `sha${String(header.alg).slice(2)}`;
    return `${input}.${createHmac(hash, signer.hmac).update(input).digest('base64url')}`;
  }
  const alg = String(header.alg);
  const hash = alg === 'EdDSA' ? null : `sha${alg.slice(2)}`;
  const signature = alg.startsWith('ES')
    ? sign(hash, Buffer.from(input), { key: signer.key, dsaEncoding: 'ieee-p1363' })
    : alg.startsWith('PS')
      ? sign(hash, Buffer.from(input), {
          key: signer.key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        })
      : sign(hash, Buffer.from(input), signer.key);
  return `${input}.${signature.toString('base64url')}`;
}

/** The same token with one bit of its signature flipped. */
export function tamperSignature(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const bytes = Buffer.from(signature, 'base64url');
  bytes[bytes.length - 1]! ^= 1;
  return `${header}.${payload}.${bytes.toString('base64url')}`;
}
