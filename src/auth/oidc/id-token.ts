import type { KeyObject } from 'node:crypto';
import { algorithmOf, parseCompactJws, signatureValid, type JwsHeader } from './jws.ts';
import { ssoFailure } from './sso-failure.ts';

/** What an ID token must say to open a session (OpenID Connect Core 1.0 §3.1.3.7). */
export interface IdTokenExpectations {
  issuer: string;
  clientId: string;
  /** The nonce this sign-in sent in its authorization request. */
  nonce: string;
  /** Now, milliseconds since the epoch, on this host's clock. */
  nowMs: number;
  /** Leeway for exp, iat and nbf, seconds. */
  clockSkewSeconds: number;
}

/** The verified claims: `sub` checked present, the rest as the provider sent them. */
export type IdTokenClaims = Record<string, unknown> & { iss: string; sub: string };

/** The provider's public key for a header's `kid` and `alg` (refusing with `unknown_key` when it has none). */
export type KeyLookup = (header: JwsHeader) => Promise<KeyObject>;

const shown = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
};

function numericDate(claims: Record<string, unknown>, name: string, required: boolean): number | undefined {
  const value = claims[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw ssoFailure(
      'malformed_token',
      `the ID token's "${name}" ${value === undefined ? 'is missing' : `is not a number of seconds (${shown(value)})`}`,
    );
  return value;
}

const iso = (seconds: number): string => {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString();
};

/**
 * Verifies an ID token from the token endpoint: its signature with the provider's published key (an
 * asymmetric algorithm only), then `iss`, `aud` (and `azp` when there are several audiences, or when
 * present), `exp`, `iat` and `nbf` within the clock skew, `sub`, and the sign-in's `nonce`.
 */
export async function verifyIdToken(
  token: string,
  expected: IdTokenExpectations,
  keyFor: KeyLookup,
): Promise<IdTokenClaims> {
  const jws = parseCompactJws(token);
  algorithmOf(jws.header.alg);
  const key = await keyFor(jws.header);
  if (!signatureValid(jws, key))
    throw ssoFailure(
      'bad_signature',
      `the ID token's ${jws.header.alg} signature does not verify with the provider's key${jws.header.kid ? ` "${jws.header.kid}"` : ''}`,
    );
  const claims = jws.payload;
  if (claims.iss !== expected.issuer)
    throw ssoFailure(
      'wrong_issuer',
      `the ID token was issued by ${shown(claims.iss)}, not by the configured issuer "${expected.issuer}" (RIPOSTE_OIDC_ISSUER must be exactly the provider's issuer)`,
    );
  const audiences =
    typeof claims.aud === 'string'
      ? [claims.aud]
      : Array.isArray(claims.aud) && claims.aud.every((a) => typeof a === 'string')
        ? (claims.aud as string[])
        : undefined;
  if (!audiences || audiences.length === 0)
    throw ssoFailure(
      'malformed_token',
      `the ID token's "aud" is ${claims.aud === undefined ? 'missing' : `not a string or list of strings (${shown(claims.aud)})`}`,
    );
  if (!audiences.includes(expected.clientId))
    throw ssoFailure(
      'wrong_audience',
      `the ID token is meant for ${shown(claims.aud)}, not for Riposte's client id "${expected.clientId}"`,
    );
  if (audiences.length > 1 && claims.azp === undefined)
    throw ssoFailure(
      'wrong_azp',
      `the ID token has several audiences (${shown(claims.aud)}) and no "azp" naming the party it was issued to`,
    );
  if (claims.azp !== undefined && claims.azp !== expected.clientId)
    throw ssoFailure(
      'wrong_azp',
      `the ID token was issued to ${shown(claims.azp)} ("azp"), not to Riposte's client id "${expected.clientId}"`,
    );
  const now = expected.nowMs / 1000;
  const skew = expected.clockSkewSeconds;
  const exp = numericDate(claims, 'exp', true)!;
  if (now >= exp + skew)
    throw ssoFailure(
      'expired',
      `the ID token expired at ${iso(exp)} (now ${iso(Math.floor(now))}, clock skew allowed ${skew} s)`,
    );
  const iat = numericDate(claims, 'iat', true)!;
  if (iat > now + skew)
    throw ssoFailure(
      'issued_in_future',
      `the ID token says it was issued at ${iso(iat)}, in the future (now ${iso(Math.floor(now))}, clock skew allowed ${skew} s): check the clocks`,
    );
  const nbf = numericDate(claims, 'nbf', false);
  if (nbf !== undefined && nbf > now + skew)
    throw ssoFailure(
      'not_yet_valid',
      `the ID token is not valid before ${iso(nbf)} (now ${iso(Math.floor(now))}, clock skew allowed ${skew} s)`,
    );
  if (typeof claims.sub !== 'string' || claims.sub === '' || claims.sub.length > 255)
    throw ssoFailure(
      'malformed_token',
      'the ID token\'s "sub" is missing or not a string of 1 to 255 characters',
    );
  if (claims.nonce === undefined)
    throw ssoFailure(
      'nonce_mismatch',
      'the ID token has no "nonce"; this sign-in sent one and needs it back',
    );
  if (claims.nonce !== expected.nonce)
    throw ssoFailure(
      'nonce_mismatch',
      "the ID token's nonce is not the one this sign-in sent (a token from another sign-in)",
    );
  return claims as IdTokenClaims;
}
