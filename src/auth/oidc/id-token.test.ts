import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { signJws, tamperSignature } from '../../../test/support/jws-sign.ts';
import { verifyIdToken, type IdTokenExpectations } from './id-token.ts';
import { keyFits, publicKeyOf, type Jwk } from './jws.ts';
import { ssoReasonOf, type SsoFailureReason } from './sso-failure.ts';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const jwkOf = (key: KeyObject, kid: string, alg: string): Jwk => ({
  ...key.export({ format: 'jwk' }),
  kid,
  alg,
  use: 'sig',
});
const KEYS: Jwk[] = [
  jwkOf(rsa.publicKey, 'r1', 'RS256'),
  jwkOf(ec.publicKey, 'e1', 'ES256'),
  jwkOf(ed.publicKey, 'd1', 'EdDSA'),
];
/** Finds the key the way the provider does: by kid, fitting the algorithm. */
const keyFor = async (header: { alg: string; kid?: string }) => {
  const jwk = KEYS.find((k) => k.kid === header.kid && keyFits({ ...k, alg: undefined }, header.alg));
  if (!jwk) throw new Error(`test: no key ${header.kid}`);
  return publicKeyOf(jwk);
};

const NOW = Date.parse('2026-05-01T12:00:00Z');
const SECONDS = NOW / 1000;
const EXPECTED: IdTokenExpectations = {
  issuer: 'https://idp.example.com',
  clientId: 'riposte',
  nonce: 'n-0S6_WzA2Mj',
  nowMs: NOW,
  clockSkewSeconds: 60,
};
const CLAIMS = {
  iss: 'https://idp.example.com',
  sub: '248289761001',
  aud: 'riposte',
  exp: SECONDS + 300,
  iat: SECONDS,
  nonce: 'n-0S6_WzA2Mj',
  preferred_username: 'jane',
};

const rs256 = (claims: Record<string, unknown> = CLAIMS, header: Record<string, unknown> = {}) =>
  signJws({ alg: 'RS256', kid: 'r1', ...header }, claims, { key: rsa.privateKey });

async function refused(
  token: string,
  reason: SsoFailureReason,
  detail: RegExp,
  expected = EXPECTED,
): Promise<void> {
  await assert.rejects(verifyIdToken(token, expected, keyFor), (error: Error) => {
    assert.equal(ssoReasonOf(error), reason, error.message);
    assert.match(error.message, detail);
    return true;
  });
}

describe('ID token verification', () => {
  it('accepts a token signed RS256, ES256, PS256 or EdDSA with a published key, and returns its claims', async () => {
    assert.equal((await verifyIdToken(rs256(), EXPECTED, keyFor)).preferred_username, 'jane');
    const es = signJws({ alg: 'ES256', kid: 'e1' }, CLAIMS, { key: ec.privateKey });
    assert.equal((await verifyIdToken(es, EXPECTED, keyFor)).sub, '248289761001');
    const ps = signJws({ alg: 'PS256', kid: 'r1' }, CLAIMS, { key: rsa.privateKey });
    assert.equal((await verifyIdToken(ps, EXPECTED, keyFor)).sub, '248289761001');
    const eddsa = signJws({ alg: 'EdDSA', kid: 'd1' }, CLAIMS, { key: ed.privateKey });
    assert.equal((await verifyIdToken(eddsa, EXPECTED, keyFor)).sub, '248289761001');
  });

  it('refuses an unsigned token (alg none)', async () => {
    await refused(signJws({ alg: 'none' }, CLAIMS, 'unsigned'), 'unsupported_alg', /unsigned \(alg "none"\)/);
  });

  it("refuses HS256 keyed with the provider's public key (the key-confusion attack)", async () => {
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' });
    const forged = signJws({ alg: 'HS256', kid: 'r1' }, CLAIMS, { hmac: Buffer.from(pem) });
    await refused(forged, 'unsupported_alg', /HS256, a shared-secret algorithm/);
  });

  it('refuses an algorithm it does not implement', async () => {
    await refused(rs256(CLAIMS, { alg: 'RS1' }), 'unsupported_alg', /signed with "RS1"/);
  });

  it('refuses a signature that does not verify, and claims changed after signing', async () => {
    await refused(
      tamperSignature(rs256()),
      'bad_signature',
      /RS256 signature does not verify with the provider's key "r1"/,
    );
    const [header, , signature] = rs256().split('.');
    const swapped = Buffer.from(JSON.stringify({ ...CLAIMS, preferred_username: 'admin' })).toString(
      'base64url',
    );
    await refused(`${header}.${swapped}.${signature}`, 'bad_signature', /does not verify/);
  });

  it('refuses an ECDSA signature in DER rather than the fixed-length r‖s JWS uses', async () => {
    const [header, payload] = signJws({ alg: 'ES256', kid: 'e1' }, CLAIMS, { key: ec.privateKey }).split('.');
    const { sign } = await import('node:crypto');
    const der = sign('sha256', Buffer.from(`${header}.${payload}`), ec.privateKey).toString('base64url');
    await refused(`${header}.${payload}.${der}`, 'bad_signature', /ES256 signature does not verify/);
  });

  it('refuses a token from another issuer', async () => {
    await refused(
      rs256({ ...CLAIMS, iss: 'https://evil.example.com' }),
      'wrong_issuer',
      /issued by "https:\/\/evil\.example\.com", not by the configured issuer/,
    );
  });

  it('refuses a token for another audience', async () => {
    await refused(
      rs256({ ...CLAIMS, aud: 'another-app' }),
      'wrong_audience',
      /meant for "another-app", not for Riposte's client id "riposte"/,
    );
    await refused(rs256({ ...CLAIMS, aud: ['x', 'y'] }), 'wrong_audience', /\["x","y"\]/);
  });

  it('with several audiences needs azp to be Riposte, and azp when present always', async () => {
    const several = { ...CLAIMS, aud: ['riposte', 'other-api'] };
    await refused(rs256(several), 'wrong_azp', /several audiences .* and no "azp"/);
    await refused(rs256({ ...several, azp: 'other-api' }), 'wrong_azp', /issued to "other-api" \("azp"\)/);
    assert.equal(
      (await verifyIdToken(rs256({ ...several, azp: 'riposte' }), EXPECTED, keyFor)).sub,
      CLAIMS.sub,
    );
    await refused(rs256({ ...CLAIMS, azp: 'other-api' }), 'wrong_azp', /issued to "other-api"/);
  });

  it('refuses an expired token, allowing the clock skew', async () => {
    await refused(
      rs256({ ...CLAIMS, exp: SECONDS - 61 }),
      'expired',
      /expired at 2026-05-01T11:58:59\.000Z .*clock skew allowed 60 s/,
    );
    assert.ok(
      await verifyIdToken(rs256({ ...CLAIMS, exp: SECONDS - 30 }), EXPECTED, keyFor),
      'within the skew',
    );
    await refused(rs256({ ...CLAIMS, exp: SECONDS - 30 }), 'expired', /expired/, {
      ...EXPECTED,
      clockSkewSeconds: 0,
    });
  });

  it('refuses a token issued in the future or not valid yet', async () => {
    await refused(
      rs256({ ...CLAIMS, iat: SECONDS + 120 }),
      'issued_in_future',
      /issued at 2026-05-01T12:02:00\.000Z, in the future/,
    );
    assert.ok(
      await verifyIdToken(rs256({ ...CLAIMS, iat: SECONDS + 30 }), EXPECTED, keyFor),
      'within the skew',
    );
    await refused(
      rs256({ ...CLAIMS, nbf: SECONDS + 600 }),
      'not_yet_valid',
      /not valid before 2026-05-01T12:10:00\.000Z/,
    );
  });

  it("refuses a token without this sign-in's nonce", async () => {
    const { nonce: _nonce, ...withoutNonce } = CLAIMS;
    await refused(rs256(withoutNonce), 'nonce_mismatch', /has no "nonce"/);
    await refused(rs256({ ...CLAIMS, nonce: 'another' }), 'nonce_mismatch', /not the one this sign-in sent/);
  });

  it('refuses missing or mistyped registered claims, naming them', async () => {
    const { exp: _exp, ...withoutExp } = CLAIMS;
    await refused(rs256(withoutExp), 'malformed_token', /"exp" is missing/);
    await refused(
      rs256({ ...CLAIMS, iat: '2026-05-01' }),
      'malformed_token',
      /"iat" is not a number of seconds/,
    );
    await refused(rs256({ ...CLAIMS, sub: '' }), 'malformed_token', /"sub" is missing/);
    await refused(
      rs256({ ...CLAIMS, aud: 7 }),
      'malformed_token',
      /"aud" is not a string or list of strings/,
    );
  });

  it('refuses what is not a compact JWS, naming the part', async () => {
    await refused('abc.def', 'malformed_token', /has 2 parts/);
    await refused('a*b.c.d', 'malformed_token', /header is not base64url/);
    await refused(
      `${Buffer.from('not json').toString('base64url')}.e30.AA`,
      'malformed_token',
      /header is not JSON/,
    );
    await refused(
      `${Buffer.from('{"kid":"r1"}').toString('base64url')}.e30.AA`,
      'malformed_token',
      /names no "alg"/,
    );
    await refused(rs256(CLAIMS, { crit: ['exp'] }), 'malformed_token', /critical extensions \(\["exp"\]\)/);
    await refused(
      `${rs256().split('.')[0]}.${Buffer.from('[1]').toString('base64url')}.AA`,
      'malformed_token',
      /payload is not a JSON object/,
    );
  });
});

describe('published keys', () => {
  it('fits a key to an algorithm by type, curve, use, key_ops and its own alg', () => {
    const rsaJwk = jwkOf(rsa.publicKey, 'r1', 'RS256');
    assert.equal(keyFits(rsaJwk, 'RS256'), true);
    assert.equal(keyFits(rsaJwk, 'PS256'), false, 'the key says RS256');
    assert.equal(keyFits({ ...rsaJwk, alg: undefined }, 'PS256'), true);
    assert.equal(keyFits({ ...rsaJwk, use: 'enc' }, 'RS256'), false);
    assert.equal(keyFits({ ...rsaJwk, key_ops: ['encrypt'] }, 'RS256'), false);
    assert.equal(keyFits(rsaJwk, 'ES256'), false);
    const ecJwk = jwkOf(ec.publicKey, 'e1', 'ES256');
    assert.equal(keyFits({ ...ecJwk, alg: undefined }, 'ES384'), false, 'P-256 is not ES384');
    assert.equal(keyFits(rsaJwk, 'HS256'), false);
  });

  it('refuses an RSA key shorter than 2048 bits, and a key that is not one', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    assert.throws(
      () => publicKeyOf(jwkOf(small.publicKey, 'tiny', 'RS256')),
      /RSA key "tiny" has 1024 bits; at least 2048/,
    );
    assert.throws(
      () => publicKeyOf({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', kid: 'bad' }),
      /key "bad" cannot be read/,
    );
  });

  it('reads only the public members of a key a provider published with its private part', () => {
    const leaked = { ...rsa.privateKey.export({ format: 'jwk' }), kid: 'r1' } as Jwk;
    assert.equal(publicKeyOf(leaked).type, 'public');
  });
});
