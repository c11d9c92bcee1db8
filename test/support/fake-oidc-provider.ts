import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signJws, tamperSignature } from './jws-sign.ts';

/** A person the fake provider can sign in. */
export interface FakeUser {
  sub: string;
  preferred_username?: string;
  email?: string;
  email_verified?: boolean;
  groups?: string[];
  name?: string;
  /** More claims for the ID token (a nested roles claim, say). */
  claims?: Record<string, unknown>;
}

/** Ways to misbehave, each for the next sign-in only (cleared once a token or an error is sent). */
export interface Misbehaviour {
  /** The authorize endpoint sends the browser back with this error (`access_denied`). */
  authorizeError?: string;
  /** The token endpoint answers 400 with this OAuth error (`invalid_grant`). */
  tokenError?: string;
  audience?: string | string[];
  /** `azp`; null leaves it out (the default). */
  azp?: string | null;
  /** Seconds from now the token expires (default 300; negative: already expired). */
  expiresIn?: number;
  /** Seconds from now the token says it was issued (default 0). */
  issuedAt?: number;
  /** Seconds from now before which the token is not valid (default: no nbf). */
  notBefore?: number;
  issuer?: string;
  /** Replaces the nonce; null leaves it out. */
  nonce?: string | null;
  /** `none`: an unsigned token; `HS256`: HMAC keyed with the provider's public key (the key-confusion attack). */
  alg?: 'none' | 'HS256';
  /** A signature that does not verify. */
  badSignature?: boolean;
  /** Signs with a key it does not publish, under this kid. */
  unpublishedKid?: string;
  /** The token endpoint answers 200 without an id_token. */
  noIdToken?: boolean;
}

export interface FakeOidcOptions {
  clientId: string;
  /** Unset: a public client (token_endpoint_auth_method none, PKCE only). */
  clientSecret?: string;
  /** How the client authenticates at the token endpoint; discovery lists only this method. */
  authMethod?: 'client_secret_basic' | 'client_secret_post' | 'none';
  /** The one redirect URI registered for the client. */
  redirectUri: string;
  users: Record<string, FakeUser>;
  /** Discovery members to replace (or remove, with undefined). */
  discovery?: Record<string, unknown>;
  /**
   * The host the issuer URL names (default 127.0.0.1; it listens there either way). `localhost` puts
   * the provider on another site than a Riposte at 127.0.0.1, as a real provider is, for a browser.
   */
  issuerHost?: string;
}

interface Code {
  user: FakeUser;
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce: string | undefined;
  used: boolean;
  expiresAt: number;
}

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function rsaKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, alg: 'RS256', privateKey, publicKey };
}

function ecKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg: 'ES256', privateKey, publicKey };
}

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * An OpenID provider for tests, following OpenID Connect Core 1.0, Discovery 1.0 and RFC 7636:
 * discovery, a JWKS with a rotating RSA key and an EC key, an authorize endpoint that checks the
 * client, redirect URI, scope and PKCE challenge and signs `loginAs` in at once (or shows a one-field
 * form a browser fills), a token endpoint that checks the client's authentication, the code (once,
 * for its redirect URI, within a minute) and the PKCE verifier, and an end-session endpoint. It
 * misbehaves on request (`next`).
 */
export class FakeOidcProvider {
  readonly issuer: string;
  readonly users: Record<string, FakeUser>;
  /** The user the authorize endpoint signs in without a form; undefined: it shows the form. */
  loginAs: string | undefined;
  /** Misbehaviour for the next sign-in. */
  next: Misbehaviour = {};
  /** Which of its keys signs ID tokens. */
  signWith: 'rsa' | 'ec' = 'rsa';
  readonly counts = { discovery: 0, jwks: 0, authorize: 0, token: 0 };
  /** The query of each authorization request, and the headers and form of each token request. */
  readonly authorizeRequests: URLSearchParams[] = [];
  readonly tokenRequests: { authorization: string | undefined; form: URLSearchParams }[] = [];
  readonly logouts: URLSearchParams[] = [];
  readonly #server: Server;
  readonly #options: FakeOidcOptions;
  readonly #codes = new Map<string, Code>();
  #rsa: SigningKey[];
  readonly #ec: SigningKey;
  #rotations = 0;

  private constructor(server: Server, issuer: string, options: FakeOidcOptions) {
    this.#server = server;
    this.issuer = issuer;
    this.#options = options;
    this.users = options.users;
    this.#rsa = [rsaKey('rsa-0')];
    this.#ec = ecKey('ec-0');
  }

  static async start(options: FakeOidcOptions): Promise<FakeOidcProvider> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const provider = new FakeOidcProvider(
      server,
      `http://${options.issuerHost ?? '127.0.0.1'}:${port}`,
      options,
    );
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      provider.#handle(request, response).catch((error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
      });
    });
    return provider;
  }

  /** The current RSA key's kid. */
  get currentKid(): string {
    return this.#rsa[0]!.kid;
  }

  /** A new RSA signing key; the old one stays published when `keepOld`, as providers do during a rotation. */
  rotate(keepOld = false): void {
    this.#rotations++;
    this.#rsa = [rsaKey(`rsa-${this.#rotations}`), ...(keepOld ? this.#rsa : [])];
  }

  /** The RSA public key, as PEM (what a key-confusion attacker would HMAC with). */
  get publicKeyPem(): string {
    return this.#rsa[0]!.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.issuer);
    const body = request.method === 'POST' ? await readBody(request) : '';
    const route = `${request.method} ${url.pathname}`;
    if (route === 'GET /.well-known/openid-configuration') return this.#discovery(response);
    if (route === 'GET /jwks') return this.#jwks(response);
    if (route === 'GET /authorize') return this.#authorize(url.searchParams, response);
    if (route === 'POST /authorize') return this.#authorize(new URLSearchParams(body), response);
    if (route === 'POST /token') return this.#token(request, new URLSearchParams(body), response);
    if (route === 'GET /logout') return this.#logout(url.searchParams, response);
    json(response, 404, { error: 'not_found' });
  }

  #discovery(response: ServerResponse): void {
    this.counts.discovery++;
    const doc: Record<string, unknown> = {
      issuer: this.issuer,
      authorization_endpoint: `${this.issuer}/authorize`,
      token_endpoint: `${this.issuer}/token`,
      jwks_uri: `${this.issuer}/jwks`,
      end_session_endpoint: `${this.issuer}/logout`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'ES256'],
      scopes_supported: ['openid', 'profile', 'email', 'groups'],
      token_endpoint_auth_methods_supported: [this.#authMethod],
      code_challenge_methods_supported: ['S256'],
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'preferred_username', 'email', 'groups'],
    };
    for (const [key, value] of Object.entries(this.#options.discovery ?? {}))
      if (value === undefined) delete doc[key];
      else doc[key] = value;
    json(response, 200, doc);
  }

  get #authMethod(): string {
    return this.#options.authMethod ?? (this.#options.clientSecret ? 'client_secret_basic' : 'none');
  }

  #jwks(response: ServerResponse): void {
    this.counts.jwks++;
    const keys = [...this.#rsa, this.#ec].map((k) => ({
      ...k.publicKey.export({ format: 'jwk' }),
      kid: k.kid,
      use: 'sig',
      alg: k.alg,
    }));
    json(response, 200, { keys });
  }

  #authorize(params: URLSearchParams, response: ServerResponse): void {
    this.counts.authorize++;
    this.authorizeRequests.push(params);
    const redirectUri = params.get('redirect_uri');
    // An unknown client or redirect URI is shown to the person, never redirected (OIDC Core §3.1.2.6).
    if (params.get('client_id') !== this.#options.clientId || redirectUri !== this.#options.redirectUri)
      return html(response, 400, '<h1>Unknown client or redirect URI</h1>');
    const back = new URL(redirectUri);
    const state = params.get('state');
    const refuse = (error: string, description: string) => {
      back.searchParams.set('error', error);
      back.searchParams.set('error_description', description);
      if (state) back.searchParams.set('state', state);
      redirect(response, back);
    };
    if (params.get('response_type') !== 'code') return refuse('unsupported_response_type', 'only code');
    if (!(params.get('scope') ?? '').split(' ').includes('openid'))
      return refuse('invalid_scope', 'the openid scope is required');
    const challenge = params.get('code_challenge');
    if (!challenge || params.get('code_challenge_method') !== 'S256')
      return refuse('invalid_request', 'PKCE with S256 is required');
    if (this.next.authorizeError) {
      const error = this.next.authorizeError;
      this.next = {};
      return refuse(error, 'The user denied the request');
    }
    const login = params.get('login') ?? this.loginAs;
    if (login === undefined || login === null) return html(response, 200, loginForm(params));
    const user = this.users[login];
    if (!user) return html(response, 200, loginForm(params, `No such user: ${login}`));
    const code = randomBytes(24).toString('base64url');
    this.#codes.set(code, {
      user,
      clientId: this.#options.clientId,
      redirectUri,
      challenge,
      nonce: params.get('nonce') ?? undefined,
      used: false,
      expiresAt: Date.now() + 60_000,
    });
    back.searchParams.set('code', code);
    if (state) back.searchParams.set('state', state);
    redirect(response, back);
  }

  #token(request: IncomingMessage, form: URLSearchParams, response: ServerResponse): void {
    this.counts.token++;
    const authorization = request.headers.authorization;
    this.tokenRequests.push({ authorization, form });
    if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
      return json(response, 400, { error: 'invalid_request', error_description: 'form body expected' });
    const client = this.#clientOf(authorization, form);
    if (!client)
      return json(response, 401, {
        error: 'invalid_client',
        error_description: 'client authentication failed',
      });
    if (form.get('grant_type') !== 'authorization_code')
      return json(response, 400, { error: 'unsupported_grant_type' });
    const code = this.#codes.get(form.get('code') ?? '');
    const invalidGrant = (description: string) =>
      json(response, 400, { error: 'invalid_grant', error_description: description });
    if (!code || code.used || code.expiresAt < Date.now())
      return invalidGrant('the code is unknown, used or expired');
    code.used = true;
    if (code.clientId !== client || code.redirectUri !== form.get('redirect_uri'))
      return invalidGrant('the code was issued to another client or redirect URI');
    const verifier = form.get('code_verifier') ?? '';
    if (
      !VERIFIER.test(verifier) ||
      createHash('sha256').update(verifier).digest('base64url') !== code.challenge
    )
      return invalidGrant('PKCE verification failed');
    const next = this.next;
    this.next = {};
    if (next.tokenError)
      return json(response, 400, { error: next.tokenError, error_description: 'refused by the test' });
    if (next.noIdToken)
      return json(response, 200, { access_token: 'at', token_type: 'Bearer', expires_in: 300 });
    json(response, 200, {
      access_token: randomBytes(16).toString('base64url'),
      token_type: 'Bearer',
      expires_in: 300,
      id_token: this.#idToken(code, next),
    });
  }

  /** The authenticated client id, by the method discovery advertises; undefined when it fails. */
  #clientOf(authorization: string | undefined, form: URLSearchParams): string | undefined {
    const { clientId, clientSecret } = this.#options;
    switch (this.#authMethod) {
      case 'client_secret_basic': {
        const decoded = Buffer.from(/^Basic (.+)$/.exec(authorization ?? '')?.[1] ?? '', 'base64').toString();
        const at = decoded.indexOf(':');
        // RFC 6749 §2.3.1: each part is form-encoded.
        const part = (text: string) => new URLSearchParams(`v=${text}`).get('v');
        if (at < 0 || form.has('client_secret')) return undefined;
        return part(decoded.slice(0, at)) === clientId && part(decoded.slice(at + 1)) === clientSecret
          ? clientId
          : undefined;
      }
      case 'client_secret_post':
        return !authorization &&
          form.get('client_id') === clientId &&
          form.get('client_secret') === clientSecret
          ? clientId
          : undefined;
      default:
        return !authorization && !form.has('client_secret') && form.get('client_id') === clientId
          ? clientId
          : undefined;
    }
  }

  #idToken(code: Code, next: Misbehaviour): string {
    const now = Math.floor(Date.now() / 1000);
    const { user } = code;
    const payload: Record<string, unknown> = {
      iss: next.issuer ?? this.issuer,
      sub: user.sub,
      aud: next.audience ?? this.#options.clientId,
      exp: now + (next.expiresIn ?? 300),
      iat: now + (next.issuedAt ?? 0),
      auth_time: now,
      ...(next.notBefore === undefined ? {} : { nbf: now + next.notBefore }),
      ...(next.azp ? { azp: next.azp } : {}),
      ...(user.preferred_username === undefined ? {} : { preferred_username: user.preferred_username }),
      ...(user.email === undefined ? {} : { email: user.email, email_verified: user.email_verified ?? true }),
      ...(user.name === undefined ? {} : { name: user.name }),
      ...(user.groups === undefined ? {} : { groups: user.groups }),
      ...user.claims,
    };
    const nonce = next.nonce === undefined ? code.nonce : next.nonce;
    if (nonce !== null && nonce !== undefined) payload.nonce = nonce;
    if (next.alg === 'none') return signJws({ alg: 'none', typ: 'JWT' }, payload, 'unsigned');
    if (next.alg === 'HS256')
      return signJws({ alg: 'HS256', typ: 'JWT', kid: this.currentKid }, payload, {
        hmac: Buffer.from(this.publicKeyPem),
      });
    const key = next.unpublishedKid
      ? rsaKey(next.unpublishedKid)
      : this.signWith === 'ec'
        ? this.#ec
        : this.#rsa[0]!;
    const token = signJws({ alg: key.alg, typ: 'JWT', kid: key.kid }, payload, { key: key.privateKey });
    return next.badSignature ? tamperSignature(token) : token;
  }

  #logout(params: URLSearchParams, response: ServerResponse): void {
    this.logouts.push(params);
    const back = params.get('post_logout_redirect_uri');
    if (back) return redirect(response, new URL(back));
    html(response, 200, '<h1>Signed out</h1>');
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(JSON.stringify(body));
}

function html(response: ServerResponse, status: number, body: string): void {
  response
    .writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
    .end(`<!doctype html><meta charset="utf-8"><title>Fake IdP</title><body>${body}</body>`);
}

function redirect(response: ServerResponse, to: URL): void {
  response.writeHead(302, { location: to.toString() }).end();
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The one-field sign-in page: the authorization request travels along in hidden fields. */
function loginForm(params: URLSearchParams, error?: string): string {
  const hidden = [...params.entries()]
    .filter(([name]) => name !== 'login')
    .map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`)
    .join('');
  return `<h1>Fake IdP</h1>${error ? `<p role="alert">${escape(error)}</p>` : ''}<form method="post" action="/authorize">${hidden}<label>IdP username <input name="login" autocomplete="off"></label><button type="submit">Continue</button></form>`;
}
