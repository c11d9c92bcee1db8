import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FAILURE_SECONDS, FLOW_SECONDS, type OidcLogin } from '../../auth/oidc/oidc-login.ts';
import { ssoReasonOf } from '../../auth/oidc/sso-failure.ts';
import { RiposteError } from '../../core/riposte-error.ts';
import type { Riposte } from '../../riposte.ts';
import { readCookie } from '../auth-hooks.ts';
import { sessionCookie } from './session-routes.ts';

/** Carries a sign-in from the redirect to the provider back to the callback, or a failure to the console. */
export const OIDC_COOKIE = 'riposte_oidc';
const OIDC_PATH = '/api/v1/session/oidc';

/** A browser navigating (it asks for HTML) gets the console back with the reason; an API caller gets problem+json. */
const fromBrowser = (request: FastifyRequest): boolean => /\btext\/html\b/.test(request.headers.accept ?? '');

function notConfigured(): RiposteError {
  return new RiposteError(
    'not_found',
    'single sign-on is not configured on this server (RIPOSTE_OIDC_ISSUER)',
  );
}

/**
 * Single sign-on through an OpenID provider: whether it is on, the redirect to the provider, and the
 * callback that opens the session. The flow cookie is SameSite=Lax (the provider sends the browser
 * back from its own site) and scoped to these routes.
 */
export function oidcRoutes(app: FastifyInstance, riposte: Riposte): void {
  const flowCookie = (value: string, maxAge: number): string =>
    [
      `${OIDC_COOKIE}=${value}`,
      `Path=${OIDC_PATH}`,
      'HttpOnly',
      'SameSite=Lax',
      `Max-Age=${maxAge}`,
      ...(riposte.config.secureCookies ? ['Secure'] : []),
    ].join('; ');

  /** Back to the console's login page, which reads the sealed reason through GET /api/v1/session/oidc. */
  const failBrowser = (reply: FastifyReply, oidc: OidcLogin, error: RiposteError): FastifyReply =>
    reply
      .header(
        'set-cookie',
        flowCookie(oidc.failureCookie(ssoReasonOf(error) ?? error.code, error.message), FAILURE_SECONDS),
      )
      .redirect('/ui/?sso=failed');

  app.get(
    OIDC_PATH,
    {
      config: { auth: 'public' },
      schema: {
        summary:
          'Whether single sign-on is on, its button label, and why the last sign-in in this browser failed',
        tags: ['session'],
      },
    },
    async (request, reply) => {
      const oidc = riposte.oidc;
      if (!oidc) return { enabled: false, passwordLogin: true };
      const failure = oidc.failureOf(readCookie(request.headers.cookie, OIDC_COOKIE));
      // Shown once: a reload of the login page no longer shows it.
      if (failure) reply.header('set-cookie', flowCookie('', 0));
      return {
        enabled: true,
        name: oidc.name,
        label: `Sign in with ${oidc.name}`,
        passwordLogin: riposte.config.oidc?.only !== true,
        ...(failure ? { failure } : {}),
      };
    },
  );

  app.get<{ Querystring: { returnTo?: string } }>(
    `${OIDC_PATH}/login`,
    {
      config: { auth: 'public' },
      schema: {
        summary: 'Start a single sign-on: redirects to the identity provider',
        tags: ['session'],
        querystring: {
          type: 'object',
          properties: { returnTo: { type: 'string', maxLength: 1024 } },
        },
      },
    },
    async (request, reply) => {
      const oidc = riposte.oidc;
      if (!oidc) throw notConfigured();
      try {
        const { location, cookie } = await oidc.begin(request.query.returnTo);
        return reply.header('set-cookie', flowCookie(cookie, FLOW_SECONDS)).redirect(location);
      } catch (error) {
        if (!(error instanceof RiposteError) || !fromBrowser(request)) throw error;
        request.log.warn(
          { reason: ssoReasonOf(error), detail: error.message },
          'single sign-on could not start',
        );
        return failBrowser(reply, oidc, error);
      }
    },
  );

  app.get<{ Querystring: Record<string, string | undefined> }>(
    `${OIDC_PATH}/callback`,
    {
      config: { auth: 'public' },
      schema: {
        summary:
          "The identity provider's redirect back: checks the answer, opens the session, redirects to the console",
        tags: ['session'],
        querystring: {
          type: 'object',
          properties: Object.fromEntries(
            ['code', 'state', 'error', 'error_description', 'error_uri', 'iss', 'session_state'].map(
              (name) => [name, { type: 'string', maxLength: 4096 }],
            ),
          ),
        },
      },
    },
    async (request, reply) => {
      const oidc = riposte.oidc;
      if (!oidc) throw notConfigured();
      try {
        const signed = await oidc.finish({
          query: request.query,
          cookie: readCookie(request.headers.cookie, OIDC_COOKIE),
          ip: request.ip,
        });
        request.log.info({ user: signed.user.username, role: signed.user.role }, 'single sign-on');
        return reply
          .header('set-cookie', [
            sessionCookie(riposte, signed.session, riposte.config.sessionTtlSeconds),
            flowCookie('', 0),
          ])
          .redirect(signed.returnTo);
      } catch (error) {
        if (!(error instanceof RiposteError)) throw error;
        request.log.warn({ reason: ssoReasonOf(error), detail: error.message }, 'single sign-on failed');
        if (fromBrowser(request)) return failBrowser(reply, oidc, error);
        reply.header('set-cookie', flowCookie('', 0));
        throw error;
      }
    },
  );
}
