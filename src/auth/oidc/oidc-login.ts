import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { OidcConfig } from '../../config.ts';
import type { Role } from '../../core/role.ts';
import type { DatabaseSchema } from '../../store/schema.ts';
import type { SsoAccounts } from '../sso-accounts.ts';
import { openFlow, sealFlow, type FlowCookie } from './flow-seal.ts';
import { verifyIdToken } from './id-token.ts';
import type { OidcHttp } from './oidc-http.ts';
import { OidcProvider } from './oidc-provider.ts';
import { ssoFailure, ssoReasonOf } from './sso-failure.ts';
import { ssoPersonOf } from './sso-person.ts';
import { exchangeCode } from './token-exchange.ts';

/** How long a sign-in may take between the redirect to the provider and the way back. */
export const FLOW_SECONDS = 10 * 60;
/** How long the console has to read a failure it is sent back with. */
export const FAILURE_SECONDS = 60;

/** A console path to come back to: under /ui/, nothing that could lead elsewhere. */
const RETURN_TO = /^\/ui(\/[A-Za-z0-9\-._~%!$&'()*+,;=:@/?]*)?$/;

export interface OidcLoginOptions {
  config: Readonly<OidcConfig>;
  http: OidcHttp;
  accounts: SsoAccounts;
  db: Kysely<DatabaseSchema>;
  audit: AuditLog;
  /** Seals the flow cookie; the same for every process of the deployment (the keyring's `oidc-flow`). */
  flowKey: Buffer;
  /** Where the provider's logout sends people back: the console. */
  consoleUrl: string;
}

/** What the callback received from the browser. */
export interface Callback {
  query: Readonly<Record<string, string | undefined>>;
  /** The flow cookie, if the browser sent one. */
  cookie: string | undefined;
  ip: string | null;
}

export interface SignedIn {
  session: string;
  expiresAt: string;
  returnTo: string;
  user: { id: string; username: string; role: Role };
}

const random = (bytes: number) => randomBytes(bytes).toString('base64url');
const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * Single sign-on through an OpenID provider, the authorization code flow with PKCE (S256): `begin`
 * sends the browser to the provider with a fresh state, nonce and code verifier sealed in a cookie;
 * `finish` checks what comes back, exchanges the code, verifies the ID token and opens the session.
 */
export class OidcLogin {
  readonly provider: OidcProvider;
  readonly #config: Readonly<OidcConfig>;
  readonly #http: OidcHttp;
  readonly #accounts: SsoAccounts;
  readonly #db: Kysely<DatabaseSchema>;
  readonly #audit: AuditLog;
  readonly #key: Buffer;
  readonly #consoleUrl: string;

  constructor(options: OidcLoginOptions) {
    this.#config = options.config;
    this.#http = options.http;
    this.#accounts = options.accounts;
    this.#db = options.db;
    this.#audit = options.audit;
    this.#key = options.flowKey;
    this.#consoleUrl = options.consoleUrl;
    this.provider = new OidcProvider(options.http, options.config.issuer);
  }

  get name(): string {
    return this.#config.name;
  }

  /** A console path to come back to, or the console's start when `wanted` is none (or leads elsewhere). */
  static returnPath(wanted: string | undefined): string {
    return wanted !== undefined && wanted.length <= 1024 && RETURN_TO.test(wanted) && !wanted.includes('//')
      ? wanted
      : '/ui/';
  }

  /** Where to send the browser, and the sealed cookie that carries the flow until it comes back. */
  async begin(returnTo: string | undefined): Promise<{ location: string; cookie: string }> {
    const metadata = await this.provider.metadata();
    const flow: FlowCookie = {
      kind: 'flow',
      state: random(32),
      nonce: random(32),
      verifier: random(48),
      returnTo: OidcLogin.returnPath(returnTo),
      expiresAt: Date.now() + FLOW_SECONDS * 1000,
    };
    const url = new URL(metadata.authorizationEndpoint);
    const params: Record<string, string> = {
      response_type: 'code',
      client_id: this.#config.clientId,
      redirect_uri: this.#config.redirectUri,
      scope: this.#config.scopes.join(' '),
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: sha256(flow.verifier).toString('base64url'),
      code_challenge_method: 'S256',
    };
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return { location: url.toString(), cookie: sealFlow(this.#key, flow) };
  }

  /** Checks the provider's answer and opens the session; every failure is an `sso_failed` or `sso_refused` with its reason. */
  async finish(callback: Callback): Promise<SignedIn> {
    let username: string | undefined;
    try {
      const flow = this.#flowOf(callback);
      await this.#consume(flow);
      const { query } = callback;
      if (query.error !== undefined)
        throw ssoFailure(
          'provider_error',
          `${this.#config.name} answered the sign-in with "${query.error.slice(0, 100)}"${query.error_description ? `: ${query.error_description.slice(0, 300)}` : ''}`,
        );
      // RFC 9207: a provider that names itself in the answer must be the one this sign-in went to.
      if (query.iss !== undefined && query.iss !== this.#config.issuer)
        throw ssoFailure(
          'wrong_issuer',
          `the answer names the issuer "${query.iss.slice(0, 200)}", not "${this.#config.issuer}"`,
        );
      if (!query.code)
        throw ssoFailure('missing_code', `${this.#config.name} sent the browser back without a code`);
      const metadata = await this.provider.metadata();
      const idToken = await exchangeCode(this.#http, metadata, {
        clientId: this.#config.clientId,
        clientSecret: this.#config.clientSecret,
        redirectUri: this.#config.redirectUri,
        code: query.code,
        verifier: flow.verifier,
      });
      const claims = await verifyIdToken(
        idToken,
        {
          issuer: this.#config.issuer,
          clientId: this.#config.clientId,
          nonce: flow.nonce,
          nowMs: Date.now(),
          clockSkewSeconds: this.#config.clockSkewSeconds,
        },
        this.provider.keyFor,
      );
      const person = ssoPersonOf(claims, idToken, this.#config);
      username = person.username;
      const signed = await this.#accounts.signIn(
        person,
        {
          createUsers: this.#config.createUsers,
          updateRoles: this.#config.updateRoles,
          providerName: this.#config.name,
        },
        callback.ip,
      );
      return { ...signed, returnTo: flow.returnTo };
    } catch (error) {
      const reason = ssoReasonOf(error);
      // A callback without a flow of this deployment is anyone's request (logged, not audited); the rest
      // is a sign-in that failed, or someone else's answer pushed into this browser's sign-in.
      if (reason !== undefined && reason !== 'missing_flow' && reason !== 'bad_flow')
        await this.#audit.write(this.#db, [
          {
            actor: { id: username ?? 'anonymous', type: 'user', ip: callback.ip },
            action: 'auth.login_failed',
            targetType: 'user',
            details: { method: 'oidc', reason },
          },
        ]);
      throw error;
    }
  }

  /** A sealed failure for the console to show (the callback sends the browser back with it). */
  failureCookie(reason: string, detail: string): string {
    return sealFlow(this.#key, {
      kind: 'failure',
      reason,
      detail,
      expiresAt: Date.now() + FAILURE_SECONDS * 1000,
    });
  }

  /** The failure a cookie carries, if it is one of this deployment's and still fresh. */
  failureOf(cookie: string | undefined): { reason: string; detail: string } | undefined {
    const value = cookie === undefined ? undefined : openFlow(this.#key, cookie);
    if (value?.kind !== 'failure' || value.expiresAt < Date.now()) return undefined;
    return { reason: value.reason, detail: value.detail };
  }

  /** RP-initiated logout: where to send the browser to end the provider's session too, when configured and offered. */
  async logoutUrl(idToken: string | null): Promise<string | undefined> {
    if (!this.#config.logoutAtProvider) return undefined;
    const endpoint = (await this.provider.metadata().catch(() => undefined))?.endSessionEndpoint;
    if (!endpoint) return undefined;
    const url = new URL(endpoint);
    url.searchParams.set('client_id', this.#config.clientId);
    url.searchParams.set('post_logout_redirect_uri', this.#consoleUrl);
    if (idToken) url.searchParams.set('id_token_hint', idToken);
    return url.toString();
  }

  #flowOf(callback: Callback): Extract<FlowCookie, { kind: 'flow' }> {
    if (callback.cookie === undefined)
      throw ssoFailure(
        'missing_flow',
        'this browser has no sign-in in progress: it was started in another browser or more than 10 minutes ago, or cookies are blocked; sign in again',
      );
    const flow = openFlow(this.#key, callback.cookie);
    if (flow?.kind !== 'flow')
      throw ssoFailure(
        'bad_flow',
        'the sign-in cookie is not one this server sealed (changed, or from another server); sign in again',
      );
    if (flow.expiresAt < Date.now())
      throw ssoFailure(
        'flow_expired',
        `the sign-in took longer than ${FLOW_SECONDS / 60} minutes; sign in again`,
      );
    if (callback.query.state !== flow.state)
      throw ssoFailure(
        'state_mismatch',
        "the provider's answer does not carry this sign-in's state: it belongs to another sign-in (or was forged); sign in again",
      );
    return flow;
  }

  /** Records the flow's state as used, so its answer cannot be played again, here or on another process. */
  async #consume(flow: Extract<FlowCookie, { kind: 'flow' }>): Promise<void> {
    const now = new Date(Date.now()).toISOString();
    await this.#db.deleteFrom('oidc_used_states').where('expires_at', '<', now).execute();
    const inserted = await this.#db
      .insertInto('oidc_used_states')
      .values({
        state_hash: sha256(flow.state).toString('hex'),
        expires_at: new Date(flow.expiresAt).toISOString(),
      })
      .onConflict((oc) => oc.column('state_hash').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0)
      throw ssoFailure(
        'replayed',
        'this sign-in was already completed; its answer cannot be used twice — sign in again',
      );
  }
}

/**
 * The outbound allow-list entry for the configured issuer: the admin named this address, so the SSRF
 * guard lets the provider's host through (a literal address only on the issuer's port) even when it
 * is on a private network or this host. Endpoints its discovery names elsewhere are guarded as usual.
 */
export function providerAllowEntry(issuer: string): string {
  const url = new URL(issuer);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (/^[\d.]+$/.test(host)) return `${host}:${port}`;
  if (host.includes(':')) return `[${host}]:${port}`;
  return host.toLowerCase();
}
