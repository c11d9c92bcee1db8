import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../audit/audit-log.ts';
import type { Principal } from '../auth/principal.ts';
import { RiposteError } from '../core/riposte-error.ts';
import { nowMs } from '../core/clock.ts';
import { neededScope, scopesAllow } from '../core/token-scope.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { RouteAuth } from './route-auth.ts';
import type { Riposte } from '../riposte.ts';

export const SESSION_COOKIE = 'riposte_session';

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

export function actorOf(request: FastifyRequest): Actor {
  const p = request.principal;
  if (!p) return { id: 'anonymous', type: 'user', ip: request.ip };
  return {
    id: p.kind === 'user' ? p.name : `token:${p.name}`,
    type: p.kind === 'user' ? 'user' : 'token',
    ip: request.ip,
  };
}

async function resolvePrincipal(riposte: Riposte, request: FastifyRequest): Promise<Principal | undefined> {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (!token)
      throw new RiposteError('unauthenticated', 'the Authorization header must be "Bearer <token>"');
    const principal = await riposte.tokens.principalForToken(token);
    if (!principal) throw new RiposteError('invalid_token', 'the API token is unknown, expired or revoked');
    return principal;
  }
  const session = readCookie(request.headers.cookie, SESSION_COOKIE);
  if (session === undefined) return undefined;
  const principal = await riposte.users.principalForSession(session);
  if (!principal) throw new RiposteError('unauthenticated', 'the session has expired; log in again');
  // A cookie rides along on cross-site requests; SameSite=Strict stops most, the Origin check the rest.
  const origin = request.headers.origin;
  if (origin !== undefined && request.method !== 'GET' && request.method !== 'HEAD') {
    const host = request.headers.host;
    if (!host || URL.parse(origin)?.host !== host)
      throw new RiposteError('forbidden', 'cross-origin requests with a session cookie are refused');
  }
  return principal;
}

/**
 * Every route declares `config.auth`; this refuses to register one that does not, and enforces it.
 * Each authenticated request also takes one from its principal's rate-limit bucket (`limiter`).
 */
export function registerAuthHooks(app: FastifyInstance, riposte: Riposte, limiter?: RateLimiter): void {
  app.addHook('onRoute', (route) => {
    if (route.method === 'HEAD' || route.url === '*') return;
    if (route.config?.auth === undefined)
      throw new Error(`route ${String(route.method)} ${route.url} declares no config.auth`);
  });
  // A callback hook: public and source routes (every ingest post) pass without a promise of their own.
  app.addHook('onRequest', (request, reply, done) => {
    const auth = request.routeOptions.config.auth;
    if (auth === undefined || auth === 'public' || auth === 'source') {
      done();
      return;
    }
    authorize(riposte, request, reply, auth, limiter).then(() => done(), done);
  });
}

/** Who sends the request, and whether they may: rate limit, role, token scopes; a refusal is thrown. */
async function authorize(
  riposte: Riposte,
  request: FastifyRequest,
  reply: FastifyReply,
  auth: Exclude<RouteAuth, 'public' | 'source'>,
  limiter: RateLimiter | undefined,
): Promise<void> {
  const principal = await resolvePrincipal(riposte, request);
  if (!principal)
    throw new RiposteError(
      'unauthenticated',
      'log in, or send an API token as "Authorization: Bearer <token>"',
    );
  request.principal = principal;
  if (limiter?.enabled) {
    const rate = await limiter.take(`${principal.kind}:${principal.id}`, nowMs());
    reply.header('ratelimit-limit', String(rate.limit));
    reply.header('ratelimit-remaining', String(rate.remaining));
    reply.header('ratelimit-reset', String(rate.resetSeconds));
    if (!rate.allowed)
      throw new RiposteError(
        'rate_limited',
        `${principal.kind === 'user' ? principal.name : `token ${principal.name}`} made more than ${rate.limit} requests in a minute; try again in ${rate.retryAfterSeconds} s`,
        { extra: { retryAfterSeconds: rate.retryAfterSeconds } },
      );
  }
  if (auth !== 'authenticated' && !auth.includes(principal.role)) {
    throw new RiposteError(
      'forbidden',
      `this needs one of the roles ${auth.join(', ')}; you are ${principal.role}`,
    );
  }
  if (principal.scopes !== undefined) {
    // Every authenticated route has a tag (the route × scope test checks): its area.
    const area = request.routeOptions.schema?.tags?.[0] ?? 'system';
    const needed = neededScope(area, request.method);
    if (!scopesAllow(principal.scopes, needed))
      throw new RiposteError(
        'forbidden',
        `this token's scopes (${principal.scopes.join(', ')}) do not include ${needed}`,
      );
  }
}
