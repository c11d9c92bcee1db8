import {
  startFakeServer,
  type FakeReply,
  type FakeRequest,
  type FakeRoute,
  type FakeServer,
} from '../sdk/fake-server.ts';
import { fakeEntraTokens } from '../sdk/fake-entra-token.ts';
import { graphError } from './fake-graph-error.ts';
import { FakeMailbox, type FakeMailSeed } from './fake-mailbox.ts';
import { fakeMailRoutes } from './fake-msgraph-mail.ts';
import { GRAPH_SCOPE } from './graph-request.ts';

export interface FakeGraphUser {
  id: string;
  userPrincipalName: string;
  accountEnabled?: boolean;
  displayName?: string;
  /**
   * An administrator: Graph refuses an app-only passwordProfile change for them (403) unless the app
   * holds a role above theirs, which this fake's app never does.
   */
  privileged?: boolean;
  /** What the user's mailbox holds at the start (every fake user has a mailbox). */
  messages?: FakeMailSeed[];
}

export type FakeGraphFault = 'server_error' | 'html';

export interface FakeMsGraphOptions {
  users?: FakeGraphUser[];
  /** Graph requests before 429 TooManyRequests. */
  requestLimit?: number;
  retryAfterSeconds?: number;
  /** userPrincipalNames whose lookup misbehaves. */
  faults?: Record<string, FakeGraphFault>;
  /** The most items the fake puts on one page, whatever `$top` asks (Graph pages on its side too). */
  pageSize?: number;
}

export interface FakeMsGraph extends FakeServer {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** The token endpoint this fake serves, for the instance's token_url field. */
  tokenUrl: string;
  user(idOrUpn: string):
    | (FakeGraphUser & {
        accountEnabled: boolean;
        signInSessionsValidFrom: string | null;
        passwordProfile: {
          forceChangePasswordNextSignIn: boolean;
          forceChangePasswordNextSignInWithMfa: boolean;
        };
      })
    | undefined;
  /** A user's mailbox, to seed it further or read its state back. */
  mailbox(idOrUpn: string): FakeMailbox | undefined;
  revokeTokens(): void;
  tokensIssued(): number;
}

/**
 * A stand-in for Microsoft Graph's users endpoints a responder needs (get with `$select`, PATCH
 * accountEnabled and passwordProfile, revokeSignInSessions) and each user's Exchange Online mailbox (fake-msgraph-mail.ts),
 * behind a fake Entra ID token endpoint on the same server.
 */
export async function startFakeMsGraph(options: FakeMsGraphOptions = {}): Promise<FakeMsGraph> {
  const entra = fakeEntraTokens(GRAPH_SCOPE);
  const users = (options.users ?? []).map((u) => ({
    displayName: u.userPrincipalName.split('@')[0]!,
    accountEnabled: true,
    signInSessionsValidFrom: null as string | null,
    passwordProfile: { forceChangePasswordNextSignIn: false, forceChangePasswordNextSignInWithMfa: false },
    ...u,
    mailbox: new FakeMailbox(u.messages),
  }));
  const find = (key: string) =>
    users.find((u) => u.id === key || u.userPrincipalName.toLowerCase() === key.toLowerCase());
  let used = 0;

  const unknownDirectoryObject = (key: string) =>
    graphError(
      404,
      'Request_ResourceNotFound',
      `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
    );
  // Exchange answers for the mailbox routes, in its own words.
  const unknownMailboxUser = (key: string) =>
    graphError(404, 'ErrorInvalidUser', `The requested user '${key}' is invalid.`);

  const graph =
    (handler: (request: FakeRequest) => FakeReply, unknownUser = unknownDirectoryObject) =>
    (request: FakeRequest): FakeReply => {
      if (!entra.valid(request.headers['authorization']))
        return graphError(401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.');
      if (used >= (options.requestLimit ?? Infinity))
        return graphError(429, 'TooManyRequests', 'Too many requests.', {
          'retry-after': String(options.retryAfterSeconds ?? 30),
        });
      used++;
      const key = request.params['id'];
      const fault = key ? options.faults?.[key] : undefined;
      if (fault === 'server_error')
        return {
          status: 500,
          text: '<html><body><h2>500 - Internal server error.</h2></body></html>',
          headers: { 'content-type': 'text/html' },
        };
      if (fault === 'html')
        return {
          text: '<!DOCTYPE html><html><body>Sign in to your account</body></html>',
          headers: { 'content-type': 'text/html' },
        };
      if (key !== undefined && !find(key)) return unknownUser(key);
      return handler(request);
    };

  const getUser = (request: FakeRequest): FakeReply => {
    const user = find(request.params['id']!)!;
    const all: Record<string, unknown> = {
      id: user.id,
      userPrincipalName: user.userPrincipalName,
      displayName: user.displayName,
      accountEnabled: user.accountEnabled,
      signInSessionsValidFromDateTime: user.signInSessionsValidFrom,
      // Graph never gives the password back: it reads null.
      passwordProfile: { ...user.passwordProfile, password: null },
    };
    const select = request.query.get('$select')?.split(',');
    // Without $select Graph returns its default set, which leaves accountEnabled out.
    const fields = select ?? ['id', 'userPrincipalName', 'displayName'];
    return {
      json: {
        '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#users(${fields.join(',')})/$entity`,
        ...Object.fromEntries(fields.filter((f) => f in all).map((f) => [f, all[f]])),
      },
    };
  };

  const patchUser = (request: FakeRequest): FakeReply => {
    const user = find(request.params['id']!)!;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      return graphError(400, 'BadRequest', 'Unable to read JSON request payload.');
    }
    // Graph checks the whole body before it changes anything.
    if ('accountEnabled' in body && typeof body['accountEnabled'] !== 'boolean')
      return graphError(
        400,
        'Request_BadRequest',
        "Invalid value specified for property 'accountEnabled' of resource 'User'.",
      );
    const flags = ['forceChangePasswordNextSignIn', 'forceChangePasswordNextSignInWithMfa'] as const;
    const profile =
      'passwordProfile' in body ? (body['passwordProfile'] as Record<string, unknown> | null) : undefined;
    if (profile !== undefined) {
      if (
        !profile ||
        typeof profile !== 'object' ||
        flags.some((f) => f in profile && typeof profile[f] !== 'boolean')
      )
        return graphError(
          400,
          'Request_BadRequest',
          "Invalid value specified for property 'passwordProfile' of resource 'User'.",
        );
      if (user.privileged)
        return graphError(
          403,
          'Authorization_RequestDenied',
          'Insufficient privileges to complete the operation.',
        );
    }
    if (typeof body['accountEnabled'] === 'boolean') user.accountEnabled = body['accountEnabled'];
    if (profile)
      for (const flag of flags)
        if (typeof profile[flag] === 'boolean') user.passwordProfile[flag] = profile[flag];
    return { status: 204, text: '' };
  };

  const revoke = (request: FakeRequest): FakeReply => {
    find(request.params['id']!)!.signInSessionsValidFrom = new Date().toISOString();
    return {
      json: { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean', value: true },
    };
  };

  const server = await startFakeServer([
    ['POST', '/:tenant/oauth2/v2.0/token', (r) => entra.handle(r)],
    ['GET', '/v1.0/users', graph(() => ({ json: { value: users.slice(0, 1).map((u) => ({ id: u.id })) } }))],
    ['GET', '/v1.0/users/:id', graph(getUser)],
    ['PATCH', '/v1.0/users/:id', graph(patchUser)],
    ['POST', '/v1.0/users/:id/revokeSignInSessions', graph(revoke)],
    ...fakeMailRoutes(options.pageSize ?? 1000).map(
      ([method, pattern, handler]) =>
        [
          method,
          pattern,
          graph((r) => handler(r, find(r.params['id']!)!.mailbox), unknownMailboxUser),
        ] satisfies FakeRoute,
    ),
  ]);
  return Object.assign(server, {
    tenantId: entra.tenantId,
    clientId: entra.clientId,
    clientSecret: entra.clientSecret,
    tokenUrl: `${server.url}/${entra.tenantId}/oauth2/v2.0/token`,
    user: find,
    mailbox: (idOrUpn: string) => find(idOrUpn)?.mailbox,
    revokeTokens: () => entra.revokeAll(),
    tokensIssued: () => entra.issued(),
  });
}
