import type { KeyObject } from 'node:crypto';
import { keyFits, publicKeyOf, type Jwk, type JwsHeader } from './jws.ts';
import type { OidcHttp, OidcHttpResponse } from './oidc-http.ts';
import { ssoFailure } from './sso-failure.ts';

/** What Riposte reads of the provider's discovery document (OpenID Connect Discovery 1.0 §3). */
export interface ProviderMetadata {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  endSessionEndpoint: string | undefined;
  /** How the client authenticates at the token endpoint (default: client_secret_basic, per the spec). */
  tokenEndpointAuthMethods: readonly string[];
  /** PKCE methods, when the provider lists them. */
  codeChallengeMethods: readonly string[] | undefined;
}

/** Discovery is read again after this long; the keys whenever a token names one Riposte does not have. */
const METADATA_TTL_MS = 60 * 60 * 1000;
/**
 * An unknown `kid` makes Riposte read the keys again, once per kid: a rotation costs one read, and a
 * token naming a key the provider never publishes cannot make Riposte read them over and over.
 */
const MISSED_KEYS_KEPT = 100;

/** https, or http to this host itself (a provider in a test or on the same machine). */
function endpoint(doc: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = doc[name];
  if (value === undefined && !required) return undefined;
  const url = typeof value === 'string' ? URL.parse(value) : null;
  const loopback = url !== null && /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i.test(url.hostname);
  if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) || url.hash !== '')
    throw ssoFailure(
      'discovery_failed',
      `the provider's discovery document ${value === undefined ? `has no "${name}"` : `gives "${name}" as ${JSON.stringify(value)}, not an https URL`}`,
    );
  return value as string;
}

function stringList(doc: Record<string, unknown>, name: string): string[] | undefined {
  const value = doc[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

/** Reads the answer's JSON object, or refuses naming the URL and what came instead. */
function jsonOf(
  response: OidcHttpResponse,
  url: string,
  reason: 'discovery_failed' | 'unknown_key',
): Record<string, unknown> {
  const what = reason === 'discovery_failed' ? 'discovery document' : 'key set (JWKS)';
  if (response.status !== 200)
    throw ssoFailure(
      reason,
      `the provider's ${what} at ${url} answered ${response.status}: ${response.text.slice(0, 200)}`,
    );
  let doc: unknown;
  try {
    doc = JSON.parse(response.text);
  } catch {
    throw ssoFailure(
      reason,
      `the provider's ${what} at ${url} is not JSON (${response.contentType || 'no content type'})`,
    );
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw ssoFailure(reason, `the provider's ${what} at ${url} is not a JSON object`);
  return doc as Record<string, unknown>;
}

/**
 * The OpenID provider as Riposte knows it: its discovery document and its signing keys, cached. A
 * token signed with a key Riposte has not seen (the provider rotated its keys) makes it read
 * discovery and the key set again (once per unknown key).
 */
export class OidcProvider {
  readonly #http: OidcHttp;
  readonly #issuer: string;
  #metadata: { value: ProviderMetadata; at: number } | undefined;
  #keys: { jwks: Jwk[]; at: number } | undefined;
  #inFlight: Promise<ProviderMetadata> | undefined;
  readonly #missed = new Set<string>();

  constructor(http: OidcHttp, issuer: string) {
    this.#http = http;
    this.#issuer = issuer;
  }

  get discoveryUrl(): string {
    return `${this.#issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  }

  /** The discovery document, from the cache while it is fresh. */
  async metadata(): Promise<ProviderMetadata> {
    if (this.#metadata && Date.now() - this.#metadata.at < METADATA_TTL_MS) return this.#metadata.value;
    // Sign-ins arriving together share one read.
    this.#inFlight ??= this.#discover().finally(() => (this.#inFlight = undefined));
    return this.#inFlight;
  }

  /** The public key that verifies a token with this header (RFC 7515 `kid`, or the only fitting key). */
  readonly keyFor = async (header: JwsHeader): Promise<KeyObject> => {
    let jwks = await this.#jwks(false);
    let found = pick(jwks, header);
    const missed = `${header.alg}|${header.kid ?? ''}`;
    if (found === undefined && !this.#missed.has(missed)) {
      // The provider may have rotated its keys since they were read (and moved its endpoints with
      // them): read both again, once per key it names that Riposte does not have.
      if (this.#missed.size >= MISSED_KEYS_KEPT) this.#missed.clear();
      this.#missed.add(missed);
      this.#metadata = undefined;
      jwks = await this.#jwks(true);
      found = pick(jwks, header);
    }
    if (found === undefined) {
      const fitting = jwks.filter((k) => keyFits(k, header.alg)).length;
      throw ssoFailure(
        'unknown_key',
        header.kid === undefined
          ? `the ID token names no key ("kid") and the provider publishes ${fitting} ${header.alg} keys; one is needed to choose`
          : `the provider publishes no ${header.alg} signing key with kid "${header.kid}" (its key set has ${jwks.length} keys)`,
      );
    }
    return publicKeyOf(found);
  };

  async #discover(): Promise<ProviderMetadata> {
    const url = this.discoveryUrl;
    const doc = jsonOf(await this.#get(url, 'discovery_failed'), url, 'discovery_failed');
    if (doc.issuer !== this.#issuer)
      throw ssoFailure(
        'discovery_failed',
        `the discovery document at ${url} names the issuer ${JSON.stringify(doc.issuer)}, not "${this.#issuer}"; RIPOSTE_OIDC_ISSUER must be exactly the provider's issuer`,
      );
    const value: ProviderMetadata = {
      issuer: this.#issuer,
      authorizationEndpoint: endpoint(doc, 'authorization_endpoint', true)!,
      tokenEndpoint: endpoint(doc, 'token_endpoint', true)!,
      jwksUri: endpoint(doc, 'jwks_uri', true)!,
      endSessionEndpoint: endpoint(doc, 'end_session_endpoint', false),
      tokenEndpointAuthMethods: stringList(doc, 'token_endpoint_auth_methods_supported') ?? [
        'client_secret_basic',
      ],
      codeChallengeMethods: stringList(doc, 'code_challenge_methods_supported'),
    };
    if (value.codeChallengeMethods && !value.codeChallengeMethods.includes('S256'))
      throw ssoFailure(
        'discovery_failed',
        `the provider supports PKCE with ${value.codeChallengeMethods.join(', ') || 'no method'}, not S256, which Riposte requires`,
      );
    this.#metadata = { value, at: Date.now() };
    return value;
  }

  async #jwks(refresh: boolean): Promise<Jwk[]> {
    if (!refresh && this.#keys && Date.now() - this.#keys.at < METADATA_TTL_MS) return this.#keys.jwks;
    const url = (await this.metadata()).jwksUri;
    const doc = jsonOf(await this.#get(url, 'unknown_key'), url, 'unknown_key');
    if (!Array.isArray(doc.keys))
      throw ssoFailure('unknown_key', `the provider's key set at ${url} has no "keys" list`);
    const jwks = doc.keys.filter((k): k is Jwk => k !== null && typeof k === 'object');
    this.#keys = { jwks, at: Date.now() };
    return jwks;
  }

  async #get(url: string, reason: 'discovery_failed' | 'unknown_key'): Promise<OidcHttpResponse> {
    try {
      return await this.#http.get(url);
    } catch (error) {
      throw ssoFailure(
        'provider_unreachable',
        `the provider could not be reached for its ${reason === 'discovery_failed' ? 'discovery document' : 'keys'}: ${(error as Error).message}`,
        error,
      );
    }
  }
}

function pick(jwks: Jwk[], header: JwsHeader): Jwk | undefined {
  const fitting = jwks.filter((k) => keyFits(k, header.alg));
  if (header.kid !== undefined) return fitting.find((k) => k.kid === header.kid);
  // RFC 7517 and OIDC Core §10.1: without a kid, the key must be the only one that fits.
  return fitting.length === 1 ? fitting[0] : undefined;
}
