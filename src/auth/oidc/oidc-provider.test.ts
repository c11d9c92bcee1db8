import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { openFlow, sealFlow, type FlowCookie } from './flow-seal.ts';
import type { OidcHttp, OidcHttpResponse } from './oidc-http.ts';
import { OidcProvider } from './oidc-provider.ts';
import { claimAt, groupsOf, mappedRole } from './role-mapping.ts';
import { ssoReasonOf } from './sso-failure.ts';

const ISSUER = 'https://idp.example.com/realms/soc';

/** A provider reachable in memory: each URL answers what the test put there, and reads are counted. */
class MemoryHttp implements OidcHttp {
  readonly answers = new Map<string, () => OidcHttpResponse>();
  readonly reads: string[] = [];
  put(url: string, body: unknown, status = 200): void {
    this.answers.set(url, () => ({ status, contentType: 'application/json', text: JSON.stringify(body) }));
  }
  async get(url: string): Promise<OidcHttpResponse> {
    this.reads.push(url);
    const answer = this.answers.get(url);
    if (!answer) throw new Error(`connect ECONNREFUSED (${url})`);
    return answer();
  }
  async postForm(): Promise<OidcHttpResponse> {
    throw new Error('not used');
  }
}

const DISCOVERY = `${ISSUER}/.well-known/openid-configuration`;
const metadata = (extra: Record<string, unknown> = {}) => ({
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/protocol/openid-connect/auth`,
  token_endpoint: `${ISSUER}/protocol/openid-connect/token`,
  jwks_uri: `${ISSUER}/protocol/openid-connect/certs`,
  ...extra,
});
const rsaJwk = (kid: string) => ({
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }),
  kid,
  use: 'sig',
});

async function failsWith(promise: Promise<unknown>, reason: string, detail: RegExp): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(ssoReasonOf(error), reason, error.message);
    assert.match(error.message, detail);
    return true;
  });
}

describe('OIDC provider discovery and keys', () => {
  it('reads discovery once and keeps it; the token endpoint authenticates with client_secret_basic by default', async () => {
    const http = new MemoryHttp();
    http.put(DISCOVERY, metadata());
    const provider = new OidcProvider(http, ISSUER);
    const first = await provider.metadata();
    await provider.metadata();
    assert.equal(first.tokenEndpoint, `${ISSUER}/protocol/openid-connect/token`);
    assert.deepEqual(first.tokenEndpointAuthMethods, ['client_secret_basic']);
    assert.deepEqual(http.reads, [DISCOVERY]);
  });

  it('refuses a discovery document naming another issuer, naming both', async () => {
    const http = new MemoryHttp();
    http.put(DISCOVERY, metadata({ issuer: `${ISSUER}/` }));
    await failsWith(
      new OidcProvider(http, ISSUER).metadata(),
      'discovery_failed',
      /names the issuer "https:\/\/idp\.example\.com\/realms\/soc\/", not "https:\/\/idp\.example\.com\/realms\/soc"/,
    );
  });

  it('refuses endpoints that are missing or not https, and PKCE without S256', async () => {
    const http = new MemoryHttp();
    const provider = () => new OidcProvider(http, ISSUER);
    http.put(DISCOVERY, metadata({ token_endpoint: undefined }));
    await failsWith(provider().metadata(), 'discovery_failed', /has no "token_endpoint"/);
    http.put(DISCOVERY, metadata({ jwks_uri: 'http://idp.example.com/certs' }));
    await failsWith(
      provider().metadata(),
      'discovery_failed',
      /"jwks_uri" as "http:\/\/idp\.example\.com\/certs", not an https URL/,
    );
    http.put(DISCOVERY, metadata({ code_challenge_methods_supported: ['plain'] }));
    await failsWith(provider().metadata(), 'discovery_failed', /PKCE with plain, not S256/);
  });

  it('names the status or the network error when discovery cannot be read', async () => {
    const http = new MemoryHttp();
    http.put(DISCOVERY, { error: 'nope' }, 404);
    await failsWith(new OidcProvider(http, ISSUER).metadata(), 'discovery_failed', /answered 404/);
    await failsWith(
      new OidcProvider(new MemoryHttp(), ISSUER).metadata(),
      'provider_unreachable',
      /ECONNREFUSED/,
    );
  });

  it('reads the keys again when a token names an unknown kid (a rotation), once per kid', async () => {
    const http = new MemoryHttp();
    http.put(DISCOVERY, metadata());
    const certs = metadata().jwks_uri;
    http.put(certs, { keys: [rsaJwk('k1')] });
    const provider = new OidcProvider(http, ISSUER);
    assert.equal((await provider.keyFor({ alg: 'RS256', kid: 'k1' })).type, 'public');
    http.put(certs, { keys: [rsaJwk('k2')] });
    assert.equal((await provider.keyFor({ alg: 'RS256', kid: 'k2' })).type, 'public');
    assert.equal(http.reads.filter((u) => u === certs).length, 2);
    assert.equal(
      http.reads.filter((u) => u === DISCOVERY).length,
      2,
      'discovery is read again with the keys',
    );
    await failsWith(
      provider.keyFor({ alg: 'RS256', kid: 'gone' }),
      'unknown_key',
      /no RS256 signing key with kid "gone"/,
    );
    await failsWith(provider.keyFor({ alg: 'RS256', kid: 'gone' }), 'unknown_key', /kid "gone"/);
    assert.equal(
      http.reads.filter((u) => u === certs).length,
      3,
      'the same unknown kid does not read them again',
    );
  });

  it('without a kid takes the one fitting key, and refuses to guess among several', async () => {
    const http = new MemoryHttp();
    http.put(DISCOVERY, metadata());
    const ec = {
      ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }),
      kid: 'e',
    };
    http.put(metadata().jwks_uri, { keys: [rsaJwk('a'), ec] });
    const provider = new OidcProvider(http, ISSUER);
    assert.equal((await provider.keyFor({ alg: 'ES256' })).asymmetricKeyType, 'ec');
    http.put(metadata().jwks_uri, { keys: [rsaJwk('a'), rsaJwk('b')] });
    await failsWith(
      new OidcProvider(http, ISSUER).keyFor({ alg: 'RS256' }),
      'unknown_key',
      /names no key \("kid"\) and the provider publishes 2 RS256 keys/,
    );
  });
});

describe('role mapping', () => {
  const mapping = [
    { value: 'soc', role: 'analyst' as const },
    { value: 'soc-admins', role: 'admin' as const },
    { value: 'soc-leads', role: 'manager' as const },
  ];

  it('gives the most privileged role any group maps to, and none for unmapped groups', () => {
    assert.equal(mappedRole(['soc', 'soc-leads', 'hr'], mapping), 'manager');
    assert.equal(mappedRole(['soc-admins', 'soc'], mapping), 'admin');
    assert.equal(mappedRole(['hr'], mapping), undefined);
    assert.equal(mappedRole([], mapping), undefined);
  });

  it('reads a claim by its full name first, then as a dotted path', () => {
    const claims = {
      'https://riposte.example/roles': ['soc'],
      realm_access: { roles: ['soc-admins', 'offline_access'] },
      groups: 'soc-leads',
    };
    assert.deepEqual(groupsOf(claims, 'https://riposte.example/roles'), ['soc']);
    assert.deepEqual(groupsOf(claims, 'realm_access.roles'), ['soc-admins', 'offline_access']);
    assert.deepEqual(groupsOf(claims, 'groups'), ['soc-leads'], 'one string is one group');
    assert.deepEqual(groupsOf(claims, 'realm_access.missing'), []);
    assert.equal(claimAt(claims, 'groups.length'), undefined, 'a path does not read into strings');
  });
});

describe('flow cookie', () => {
  const key = randomBytes(32);
  const flow: FlowCookie = {
    kind: 'flow',
    state: 's',
    nonce: 'n',
    verifier: 'v',
    returnTo: '/ui/',
    expiresAt: 1,
  };

  it('opens what it sealed, and nothing changed or sealed with another key', () => {
    const sealed = sealFlow(key, flow);
    assert.deepEqual(openFlow(key, sealed), flow);
    assert.equal(openFlow(randomBytes(32), sealed), undefined);
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[20]! ^= 1;
    assert.equal(openFlow(key, bytes.toString('base64url')), undefined);
    assert.equal(openFlow(key, 'not-a-cookie'), undefined);
  });
});
