import type { FastifyInstance } from 'fastify';
import type { Riposte } from '../../riposte.ts';
import { readCookie, SESSION_COOKIE } from '../auth-hooks.ts';

/** Login and logout for people; the session lives in an HttpOnly, SameSite=Strict cookie. */
export function sessionRoutes(app: FastifyInstance, riposte: Riposte): void {
  const cookie = (value: string, maxAge: number): string =>
    [
      `${SESSION_COOKIE}=${encodeURIComponent(value)}`,
      'Path=/',
      'HttpOnly',
      'SameSite=Strict',
      `Max-Age=${maxAge}`,
      ...(riposte.config.secureCookies ? ['Secure'] : []),
    ].join('; ');

  app.post<{ Body: { username: string; password: string } }>(
    '/api/v1/session',
    {
      config: { auth: 'public' },
      schema: {
        summary: 'Log in with a username and password',
        tags: ['session'],
        body: {
          type: 'object',
          properties: {
            username: { type: 'string', maxLength: 128 },
            password: { type: 'string', maxLength: 1024 },
          },
          required: ['username', 'password'],
        },
      },
    },
    async (request, reply) => {
      const { session, user, expiresAt } = await riposte.users.login(
        request.body.username,
        request.body.password,
        request.ip,
      );
      reply.header('set-cookie', cookie(session, riposte.config.sessionTtlSeconds));
      return { user, expiresAt };
    },
  );
  app.get(
    '/api/v1/session',
    { config: { auth: 'authenticated' }, schema: { summary: 'Who am I', tags: ['session'] } },
    async (request) => ({
      principal: request.principal,
    }),
  );
  app.delete(
    '/api/v1/session',
    { config: { auth: 'authenticated' }, schema: { summary: 'Log out', tags: ['session'] } },
    async (request, reply) => {
      const session = readCookie(request.headers.cookie, SESSION_COOKIE);
      if (session) await riposte.users.logout(session);
      reply.header('set-cookie', cookie('', 0));
      return reply.code(204).send();
    },
  );
}
