import { constants, createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { ssoFailure } from './sso-failure.ts';

/** A JWS in compact serialization, split and decoded, not yet verified (RFC 7515 §7.1). */
export interface CompactJws {
  header: JwsHeader;
  payload: Record<string, unknown>;
  /** `<header>.<payload>` as received: the bytes the signature covers. */
  signingInput: string;
  signature: Buffer;
}

export interface JwsHeader {
  alg: string;
  kid?: string;
  [name: string]: unknown;
}

/** A JSON Web Key as a JWKS publishes it (RFC 7517); only the members a public key needs are read. */
export interface Jwk {
  kty?: unknown;
  kid?: unknown;
  use?: unknown;
  key_ops?: unknown;
  alg?: unknown;
  crv?: unknown;
  n?: unknown;
  e?: unknown;
  x?: unknown;
  y?: unknown;
}

interface Algorithm {
  kty: 'RSA' | 'EC' | 'OKP';
  /** The digest, or null for EdDSA (which hashes by itself). */
  hash: string | null;
  pss?: boolean;
  /** EC and OKP: the curves this algorithm is defined on (RFC 7518 §3.4, RFC 8037). */
  curves?: readonly string[];
  /** ECDSA: the length of r‖s, bytes. */
  signatureBytes?: number;
}

/**
 * The signature algorithms an ID token may use: asymmetric only. `none` is an unsigned token, and
 * HS* keyed with anything Riposte could know (the provider's public key, say) would be forgeable.
 */
export const ALGORITHMS: Readonly<Record<string, Algorithm>> = Object.freeze({
  RS256: { kty: 'RSA', hash: 'sha256' },
  RS384: { kty: 'RSA', hash: 'sha384' },
  RS512: { kty: 'RSA', hash: 'sha512' },
  PS256: { kty: 'RSA', hash: 'sha256', pss: true },
  PS384: { kty: 'RSA', hash: 'sha384', pss: true },
  PS512: { kty: 'RSA', hash: 'sha512', pss: true },
  ES256: { kty: 'EC', hash: 'sha256', curves: ['P-256'], signatureBytes: 64 },
  ES384: { kty: 'EC', hash: 'sha384', curves: ['P-384'], signatureBytes: 96 },
  ES512: { kty: 'EC', hash: 'sha512', curves: ['P-521'], signatureBytes: 132 },
  EdDSA: { kty: 'OKP', hash: null, curves: ['Ed25519', 'Ed448'] },
});

const BASE64URL = /^[A-Za-z0-9_-]*$/;
/** Larger than any real ID token (even Entra's with its groups), small enough to parse without care. */
const MAX_TOKEN_CHARS = 64 * 1024;

function decodePart(part: string, what: string): Buffer {
  if (!BASE64URL.test(part) || part.length % 4 === 1)
    throw ssoFailure('malformed_token', `the ID token's ${what} is not base64url`);
  return Buffer.from(part, 'base64url');
}

function jsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw ssoFailure('malformed_token', `the ID token's ${what} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw ssoFailure('malformed_token', `the ID token's ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** Splits and decodes a compact JWS; refuses anything that is not three well-formed parts. */
export function parseCompactJws(token: string): CompactJws {
  if (token.length > MAX_TOKEN_CHARS)
    throw ssoFailure('malformed_token', `the ID token is longer than ${MAX_TOKEN_CHARS} characters`);
  const parts = token.split('.');
  if (parts.length !== 3)
    throw ssoFailure(
      'malformed_token',
      `the ID token has ${parts.length} parts; a signed JWT has three (header.payload.signature)`,
    );
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = jsonObject(decodePart(headerPart, 'header'), 'header');
  if (typeof header.alg !== 'string' || header.alg === '')
    throw ssoFailure('malformed_token', 'the ID token\'s header names no "alg"');
  if (header.kid !== undefined && typeof header.kid !== 'string')
    throw ssoFailure('malformed_token', 'the ID token\'s header has a "kid" that is not a string');
  // RFC 7515 §4.1.11: extensions the recipient must understand; Riposte understands none.
  if (header.crit !== undefined)
    throw ssoFailure(
      'malformed_token',
      `the ID token's header lists critical extensions (${JSON.stringify(header.crit)}) Riposte does not implement`,
    );
  const payload = jsonObject(decodePart(payloadPart, 'payload'), 'payload');
  return {
    header: header as JwsHeader,
    payload,
    signingInput: `${headerPart}.${payloadPart}`,
    signature: decodePart(signaturePart, 'signature'),
  };
}

/** The algorithm a header names, if Riposte verifies it; a precise refusal otherwise. */
export function algorithmOf(alg: string): Algorithm {
  if (alg === 'none')
    throw ssoFailure(
      'unsupported_alg',
      'the ID token is unsigned (alg "none"); Riposte accepts signed tokens only',
    );
  if (/^HS\d+$/.test(alg))
    throw ssoFailure(
      'unsupported_alg',
      `the ID token is signed with ${alg}, a shared-secret algorithm; Riposte accepts only tokens signed with the provider's published keys (RS*, PS*, ES*, EdDSA)`,
    );
  const algorithm = Object.hasOwn(ALGORITHMS, alg) ? ALGORITHMS[alg] : undefined;
  if (!algorithm)
    throw ssoFailure(
      'unsupported_alg',
      `the ID token is signed with "${alg}"; Riposte verifies ${Object.keys(ALGORITHMS).join(', ')}`,
    );
  return algorithm;
}

/** Whether a published key may verify a signature of `alg` (its type, curve, use and stated algorithm fit). */
export function keyFits(jwk: Jwk, alg: string): boolean {
  const algorithm = Object.hasOwn(ALGORITHMS, alg) ? ALGORITHMS[alg] : undefined;
  if (!algorithm || jwk.kty !== algorithm.kty) return false;
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify')))
    return false;
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (algorithm.curves && !algorithm.curves.includes(String(jwk.crv))) return false;
  return true;
}

/** The public key of a JWK: only its public members are read, RSA keys need 2048 bits at least. */
export function publicKeyOf(jwk: Jwk): KeyObject {
  const members: Record<string, unknown> =
    jwk.kty === 'RSA'
      ? { kty: 'RSA', n: jwk.n, e: jwk.e }
      : jwk.kty === 'EC'
        ? { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y }
        : { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
  const kid = typeof jwk.kid === 'string' ? ` "${jwk.kid}"` : '';
  let key: KeyObject;
  try {
    key = createPublicKey({ key: members as JsonWebKey, format: 'jwk' });
  } catch (error) {
    throw ssoFailure(
      'unknown_key',
      `the provider's key${kid} cannot be read as a public key: ${(error as Error).message}`,
    );
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (jwk.kty === 'RSA' && (bits === undefined || bits < 2048))
    throw ssoFailure(
      'unknown_key',
      `the provider's RSA key${kid} has ${bits ?? 'an unknown number of'} bits; at least 2048 are needed`,
    );
  return key;
}

/** Checks the signature of a parsed JWS with a key that fits its algorithm. */
export function signatureValid(jws: CompactJws, key: KeyObject): boolean {
  const algorithm = algorithmOf(jws.header.alg);
  const data = Buffer.from(jws.signingInput, 'ascii');
  if (algorithm.kty === 'EC') {
    // JWS carries ECDSA signatures as r‖s of fixed length, not DER.
    if (jws.signature.length !== algorithm.signatureBytes) return false;
    return verify(algorithm.hash, data, { key, dsaEncoding: 'ieee-p1363' }, jws.signature);
  }
  if (algorithm.kty === 'OKP') return verify(null, data, key, jws.signature);
  return verify(
    algorithm.hash,
    data,
    algorithm.pss
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
      : { key, padding: constants.RSA_PKCS1_PADDING },
    jws.signature,
  );
}
