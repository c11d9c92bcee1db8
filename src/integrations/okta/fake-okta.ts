import { randomBytes } from 'node:crypto';
import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';
import type { OktaStatus } from './okta-integration.ts';
import { fakeOktaLogs, oktaError, type FakeOktaEvent, type FakeOktaLogs } from './fake-okta-logs.ts';

export interface FakeOktaUser {
  id: string;
  login: string;
  status?: OktaStatus;
  firstName?: string;
  lastName?: string;
  /** Open sessions; clearing them sets this to 0. */
  sessions?: number;
}

export type FakeOktaFault = 'server_error' | 'html';

export interface FakeOktaOptions {
  apiToken?: string;
  users?: FakeOktaUser[];
  /** Requests a minute before 429 (E0000047). */
  requestsPerMinute?: number;
  /** Logins whose lookup misbehaves. */
  faults?: Record<string, FakeOktaFault>;
  /** System Log events, stored in this order. */
  events?: FakeOktaEvent[];
}

export interface FakeOkta extends FakeServer {
  apiToken: string;
  user(login: string): Required<FakeOktaUser> | undefined;
  /** `oauthTokens` of the last session clearing, per user id. */
  oauthTokensCleared: Map<string, boolean>;
  /** Every reset_password accepted, in order, with whether Okta was asked to mail the link. */
  passwordResets: { userId: string; sendEmail: boolean }[];
  /** The System Log: store more events, make it misbehave. */
  logs: FakeOktaLogs;
}

/**
 * A stand-in for an Okta org's Users API: get a user, suspend and unsuspend (refused unless the
 * status allows it, as E0000001), expire or reset the password, clear sessions; and its System Log
 * (fake-okta-logs.ts); SSWS auth and the X-Rate-Limit-* headers.
 */
export async function startFakeOkta(options: FakeOktaOptions = {}): Promise<FakeOkta> {
  const apiToken = options.apiToken ?? `00${randomBytes(20).toString('base64url')}`;
  const users = (options.users ?? []).map((u) => ({
    firstName: 'Test',
    lastName: 'User',
    status: 'ACTIVE' as OktaStatus,
    sessions: 1,
    ...u,
  }));
  const oauthTokensCleared = new Map<string, boolean>();
  const passwordResets: { userId: string; sendEmail: boolean }[] = [];
  const logs = fakeOktaLogs(options.events);
  const limit = options.requestsPerMinute ?? 600;
  let used = 0;
  const windowEnd = Math.ceil(Date.now() / 1000) + 60;

  const find = (idOrLogin: string) =>
    users.find((u) => u.id === idOrLogin || u.login.toLowerCase() === idOrLogin.toLowerCase());
  const notFound = (id: string) => oktaError(404, 'E0000007', `Not found: Resource not found: ${id} (User)`);

  const api =
    (handler: (request: FakeRequest) => FakeReply) =>
    (request: FakeRequest): FakeReply => {
      if (request.headers['authorization'] !== `SSWS ${apiToken}`)
        return oktaError(401, 'E0000011', 'Invalid token provided');
      const headers = () => ({
        'x-rate-limit-limit': String(limit),
        'x-rate-limit-remaining': String(Math.max(0, limit - used)),
        'x-rate-limit-reset': String(windowEnd),
      });
      if (used >= limit)
        return oktaError(
          429,
          'E0000047',
          'API call exceeded rate limit due to too many requests.',
          headers(),
        );
      used++;
      const reply = handler(request);
      return { ...reply, headers: { ...headers(), ...reply.headers } };
    };

  const userJson = (u: (typeof users)[number]) => ({
    id: u.id,
    status: u.status,
    created: '2023-01-10T09:00:00.000Z',
    activated: '2023-01-10T09:00:01.000Z',
    statusChanged: '2024-04-01T10:00:00.000Z',
    lastLogin: '2024-05-01T07:59:00.000Z',
    lastUpdated: '2024-04-01T10:00:00.000Z',
    passwordChanged: '2023-01-10T09:00:01.000Z',
    type: { id: 'oty1a2b3c4d5e6f7g8h9' },
    profile: { firstName: u.firstName, lastName: u.lastName, login: u.login, email: u.login },
    credentials: { provider: { type: 'OKTA', name: 'OKTA' } },
    _links: { self: { href: `/api/v1/users/${u.id}` } },
  });

  const getUser = (request: FakeRequest): FakeReply => {
    const id = request.params['id']!;
    const fault = options.faults?.[id];
    if (fault === 'server_error')
      return {
        status: 500,
        text: '<html><body>Internal Server Error</body></html>',
        headers: { 'content-type': 'text/html' },
      };
    if (fault === 'html')
      return {
        text: '<!DOCTYPE html><html><body>Sign in</body></html>',
        headers: { 'content-type': 'text/html' },
      };
    const user = find(id);
    return user ? { json: userJson(user) } : notFound(id);
  };

  const lifecycle = (request: FakeRequest): FakeReply => {
    const user = users.find((u) => u.id === request.params['id']);
    if (!user) return notFound(request.params['id']!);
    const operation = request.params['operation'];
    if (operation === 'suspend') {
      if (user.status !== 'ACTIVE')
        return oktaError(400, 'E0000001', 'Api validation failed: Cannot suspend a user that is not active');
      user.status = 'SUSPENDED';
    } else if (operation === 'unsuspend') {
      if (user.status !== 'SUSPENDED')
        return oktaError(
          400,
          'E0000001',
          'Api validation failed: Cannot unsuspend a user that is not suspended',
        );
      user.status = 'ACTIVE';
    } else if (operation === 'expire_password') {
      if (!['ACTIVE', 'PASSWORD_EXPIRED'].includes(user.status))
        return oktaError(400, 'E0000001', 'Api validation failed: password expiration');
      user.status = 'PASSWORD_EXPIRED';
      return { json: userJson(user) };
    } else if (operation === 'reset_password') {
      if (!['ACTIVE', 'PASSWORD_EXPIRED', 'RECOVERY', 'LOCKED_OUT'].includes(user.status))
        return oktaError(400, 'E0000001', 'Api validation failed: password reset');
      user.status = 'RECOVERY';
      const sendEmail = request.query.get('sendEmail') !== 'false';
      passwordResets.push({ userId: user.id, sendEmail });
      // With sendEmail=false Okta hands the one-time link to the caller instead of mailing it.
      return {
        json: sendEmail
          ? {}
          : {
              resetPasswordUrl: `http://${request.headers.host}/reset_password/drp${randomBytes(12).toString('hex')}`,
            },
      };
    } else return notFound(request.path);
    return { status: 200, text: '' };
  };

  const clearSessions = (request: FakeRequest): FakeReply => {
    const user = users.find((u) => u.id === request.params['id']);
    if (!user) return notFound(request.params['id']!);
    user.sessions = 0;
    oauthTokensCleared.set(user.id, request.query.get('oauthTokens') === 'true');
    return { status: 204, text: '' };
  };

  const server = await startFakeServer([
    ['GET', '/api/v1/logs', api((r) => logs.handle(r))],
    ['GET', '/api/v1/users', api(() => ({ json: users.slice(0, 1).map(userJson) }))],
    ['GET', '/api/v1/users/:id', api(getUser)],
    ['POST', '/api/v1/users/:id/lifecycle/:operation', api(lifecycle)],
    ['DELETE', '/api/v1/users/:id/sessions', api(clearSessions)],
  ]);
  return Object.assign(server, {
    apiToken,
    oauthTokensCleared,
    passwordResets,
    logs,
    user: (login: string) => find(login),
  });
}
