import type { FastifyInstance } from 'fastify';
import { RiposteError } from '../../core/riposte-error.ts';
import type { Riposte } from '../../riposte.ts';
import { readCookie, SESSION_COOKIE } from '../auth-hooks.ts';

/** The session cookie (a password login and a single sign-on set the same one); `maxAge` 0 clears it. */
export function sessionCookie(riposte: Riposte, value: string, maxAge: number): string {
  return [
    `${SESSION_COOKIE}=${encodeURIComponent(value)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAge}`,
    ...(riposte.config.secureCookies ? ['Secure'] : []),
  ].join('; ');
}

/** Login and logout for people; the session lives in an HttpOnly, SameSite=Strict cookie. */
export function sessionRoutes(app: FastifyInstance, riposte: Riposte): void {
  const cookie = (value: string, maxAge: number): string => sessionCookie(riposte, value, maxAge);

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
      if (riposte.config.oidc?.only)
        throw new RiposteError(
          'sso_required',
          `password login is turned off here (RIPOSTE_OIDC_ONLY): sign in with ${riposte.config.oidc.name}; API tokens still work`,
        );
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
    {
      config: { auth: 'authenticated' },
      schema: {
        summary:
          'Who am I, and where: `tenant` is the slug of the tenant served at this host, null for the main installation',
        tags: ['session'],
      },
    },
    async (request) => ({
      principal: request.principal,
      tenant: riposte.config.tenant?.slug ?? null,
    }),
  );
  app.delete(
    '/api/v1/session',
    { config: { auth: 'authenticated' }, schema: { summary: 'Log out', tags: ['session'] } },
    async (request, reply) => {
      const session = readCookie(request.headers.cookie, SESSION_COOKIE);
      const { idToken } = session ? await riposte.users.logout(session) : { idToken: null };
      reply.header('set-cookie', cookie('', 0));
      // A single sign-on session may end at the provider too (RIPOSTE_OIDC_LOGOUT_AT_PROVIDER): the console goes there.
      const endSessionUrl = idToken ? await riposte.oidc?.logoutUrl(idToken) : undefined;
      if (endSessionUrl) return reply.code(200).send({ endSessionUrl });
      return reply.code(204).send();
    },
  );
}
