import type { FastifyInstance } from 'fastify';
import { queryAudit, type AuditQuery } from '../../audit/audit-query.ts';
import { FORMATS } from '../../core/format.ts';
import { ROLES } from '../../core/role.ts';
import { MAX_ALERT_LIMIT_PER_MINUTE } from '../../core/alert-limit.ts';
import {
  MAX_EXPECT_SECONDS,
  MAX_TOKEN_GRACE_SECONDS,
  MIN_EXPECT_SECONDS,
  type SourcePatch,
} from '../../sources/source-service.ts';
import type { Riposte } from '../../riposte.ts';
import { actorOf } from '../auth-hooks.ts';
import { ADMIN, ANALYST, MANAGER } from '../route-auth.ts';
import { idParams, nameParams } from './route-schemas.ts';

/** Sources, users, API tokens, assets and the audit log. */
export function adminRoutes(app: FastifyInstance, riposte: Riposte): void {
  // Asset inventories arrive as CSV too.
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.get(
    '/api/v1/sources',
    {
      config: { auth: ANALYST },
      schema: {
        summary:
          'List ingest sources, each with what it sent lately (its newest alert, the last hour’s count)',
        description:
          '`pullFormats` lists the formats a source can pull from a vendor API (`options.pull`), each with its integration and the bounds and defaults of its settings.',
        tags: ['sources'],
      },
    },
    async () => {
      const items = await riposte.sources.listWithActivity();
      const pulls = await riposte.pulls.views(items);
      return {
        items: items.map((s) => ({ ...s, pull: pulls.get(s.name) ?? null })),
        pullFormats: riposte.pulls.formats(),
      };
    },
  );
  app.get<{ Params: { name: string } }>(
    '/api/v1/sources/:name',
    {
      config: { auth: ANALYST },
      schema: {
        summary:
          'One ingest source: its settings, what it sent lately and, for a source that pulls from a vendor API, how its polls go',
        tags: ['sources'],
        params: nameParams,
      },
    },
    async (request) => {
      const source = await riposte.sources.getWithActivity(request.params.name);
      const pull = (await riposte.pulls.views([source])).get(source.name) ?? null;
      return { ...source, pull };
    },
  );
  app.post<{ Params: { name: string } }>(
    '/api/v1/sources/:name/pull',
    {
      config: { auth: ADMIN },
      schema: {
        summary:
          'Poll a pulled source now, rather than at its next interval (a poll under way finishes first); a worker picks it up within seconds',
        tags: ['sources'],
        params: nameParams,
      },
    },
    async (request, reply) => {
      const source = await riposte.sources.get(request.params.name);
      await riposte.pulls.pollNow(source, actorOf(request));
      const pull = (await riposte.pulls.views([source])).get(source.name) ?? null;
      return reply.code(202).send({ ...source, pull });
    },
  );
  app.post<{
    Body: {
      name: string;
      format: string;
      options?: Record<string, unknown>;
      requireSignature?: boolean;
      expectWithinSeconds?: number | null;
      alertLimitPerMinute?: number | null;
    };
  }>(
    '/api/v1/sources',
    {
      config: { auth: ADMIN },
      schema: {
        summary: 'Register an ingest source; the answer holds its token, shown only once',
        tags: ['sources'],
        body: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            format: { type: 'string', enum: [...FORMATS] },
            options: { type: 'object' },
            requireSignature: { type: 'boolean' },
            expectWithinSeconds: {
              type: ['integer', 'null'],
              description: `report the source silent when nothing is accepted from it for this many seconds (${MIN_EXPECT_SECONDS}–${MAX_EXPECT_SECONDS}); null: not watched`,
            },
            alertLimitPerMinute: {
              type: ['integer', 'null'],
              description: `the alerts a minute it may send (1–${MAX_ALERT_LIMIT_PER_MINUTE}, per server process); past it a post is answered 429 with Retry-After and nothing of it stored, and syslog and pulled batches wait; null: no limit`,
            },
          },
          required: ['name', 'format'],
        },
      },
    },
    async (request, reply) => {
      const { source, token } = await riposte.sources.create(request.body, actorOf(request));
      return reply.code(201).send({ ...source, token });
    },
  );
  app.patch<{ Params: { name: string }; Body: SourcePatch }>(
    '/api/v1/sources/:name',
    {
      config: { auth: ADMIN },
      schema: {
        summary:
          "Change a source's format, options, signature requirement, silence expectation or alert limit; its token stays",
        tags: ['sources'],
        params: nameParams,
        body: {
          type: 'object',
          properties: {
            format: { type: 'string', enum: [...FORMATS] },
            options: { type: 'object' },
            requireSignature: { type: 'boolean' },
            expectWithinSeconds: {
              type: ['integer', 'null'],
              description: `report the source silent when nothing is accepted from it for this many seconds (${MIN_EXPECT_SECONDS}–${MAX_EXPECT_SECONDS}); null: not watched`,
            },
            alertLimitPerMinute: {
              type: ['integer', 'null'],
              description: `the alerts a minute it may send (1–${MAX_ALERT_LIMIT_PER_MINUTE}, per server process); past it a post is answered 429 with Retry-After and nothing of it stored, and syslog and pulled batches wait; null: no limit`,
            },
          },
          minProperties: 1,
        },
      },
    },
    async (request) => riposte.sources.update(request.params.name, request.body, actorOf(request)),
  );
  app.delete<{ Params: { name: string } }>(
    '/api/v1/sources/:name',
    {
      config: { auth: ADMIN },
      schema: {
        summary: 'Delete a source (its alerts stay)',
        tags: ['sources'],
        params: nameParams,
      },
    },
    async (request, reply) => {
      await riposte.sources.delete(request.params.name, actorOf(request));
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { name: string }; Body: { graceSeconds?: number } | undefined }>(
    '/api/v1/sources/:name/rotate-token',
    {
      config: { auth: ADMIN },
      // No body at all is a rotation without grace.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        summary:
          "Replace a source's token; the answer holds the new one, shown only once. With graceSeconds the old one is still accepted that long",
        tags: ['sources'],
        params: nameParams,
        body: {
          type: 'object',
          properties: { graceSeconds: { type: 'integer', minimum: 0, maximum: MAX_TOKEN_GRACE_SECONDS } },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { source, token } = await riposte.sources.rotateToken(
        request.params.name,
        request.body ?? {},
        actorOf(request),
      );
      return { ...source, token };
    },
  );

  app.get(
    '/api/v1/users',
    {
      config: { auth: ADMIN },
      schema: {
        summary: 'List users, each with the identities at OpenID providers the account is bound to',
        tags: ['users'],
      },
    },
    async () => ({ items: await riposte.users.list() }),
  );
  app.post<{ Body: { username: string; role: string; password: string } }>(
    '/api/v1/users',
    {
      config: { auth: ADMIN },
      schema: {
        summary: 'Create a user',
        tags: ['users'],
        body: {
          type: 'object',
          properties: {
            username: { type: 'string' },
            role: { type: 'string', enum: [...ROLES] },
            password: { type: 'string' },
          },
          required: ['username', 'role', 'password'],
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await riposte.users.create(request.body, actorOf(request))),
  );
  app.patch<{ Params: { id: string }; Body: { role?: string; disabled?: boolean; password?: string } }>(
    '/api/v1/users/:id',
    {
      config: { auth: ADMIN },
      schema: {
        summary: "Change a user's role, disable them, or set a new password (ends their sessions)",
        tags: ['users'],
        params: idParams,
        body: {
          type: 'object',
          properties: {
            role: { type: 'string', enum: [...ROLES] },
            disabled: { type: 'boolean' },
            password: { type: 'string' },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => riposte.users.update(request.params.id, request.body, actorOf(request)),
  );
  app.delete<{ Params: { id: string } }>(
    '/api/v1/users/:id/identity',
    {
      config: { auth: ADMIN },
      schema: {
        summary:
          "Unbind a user's account from the person it is bound to at the OpenID provider, and end the sessions single sign-on opened for it",
        description:
          'The next single sign-on is matched by username again, as a first one is (see docs/security.md). 404 when the user does not exist or is not bound. Audited as `user.unlink_identity`.',
        tags: ['users'],
        params: idParams,
      },
    },
    async (request, reply) => {
      await riposte.users.unlinkIdentity(request.params.id, actorOf(request));
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/tokens',
    {
      config: { auth: ADMIN },
      schema: { summary: 'List API tokens (never their secrets)', tags: ['tokens'] },
    },
    async () => ({
      items: await riposte.tokens.list(),
    }),
  );
  app.post<{ Body: { name: string; role: string; expiresAt?: string; scopes?: string[] | null } }>(
    '/api/v1/tokens',
    {
      config: { auth: ADMIN },
      schema: {
        summary: 'Create a service-account API token; the answer holds it, shown only once',
        tags: ['tokens'],
        body: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            role: { type: 'string', enum: [...ROLES] },
            expiresAt: { type: 'string' },
            scopes: {
              type: ['array', 'null'],
              items: { type: 'string' },
              description:
                'Limit the token beyond its role: <area>:<read|write|*> (cases:read, alerts:write, *:read); see docs/security.md',
            },
          },
          required: ['name', 'role'],
        },
      },
    },
    async (request, reply) => {
      const { token, info } = await riposte.tokens.create(request.body, actorOf(request));
      return reply.code(201).send({ ...info, token });
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/api/v1/tokens/:id',
    {
      config: { auth: ADMIN },
      schema: { summary: 'Revoke an API token', tags: ['tokens'], params: idParams },
    },
    async (request) => riposte.tokens.revoke(request.params.id, actorOf(request)),
  );

  app.get(
    '/api/v1/assets',
    {
      config: { auth: ANALYST },
      schema: { summary: 'The asset list (criticality feeds case priority)', tags: ['assets'] },
    },
    async () => ({
      items: await riposte.assets.list(),
    }),
  );
  app.put<{ Body: unknown }>(
    '/api/v1/assets',
    {
      config: { auth: MANAGER },
      schema: {
        summary: 'Add or update assets from the inventory (JSON list, or CSV with Content-Type: text/csv)',
        description:
          'JSON records are {host, ips: [...], owner?, criticality: low|medium|high|critical, tags?} or {type: host|ipv4|ipv6, value, criticality, owner?, tags?}. CSV needs a header with host and/or ips, criticality, and optionally owner and tags (lists separated by ;). Errors name the record or line and the field.',
        tags: ['assets'],
      },
    },
    async (request) =>
      riposte.assets.upsert(
        request.body,
        actorOf(request),
        String(request.headers['content-type'] ?? '').startsWith('text/csv') ? 'csv' : 'json',
      ),
  );

  app.get<{ Querystring: AuditQuery }>(
    '/api/v1/audit',
    {
      config: { auth: MANAGER },
      schema: {
        summary: 'Read the audit log with filters, oldest first (or newest first with order=desc)',
        description:
          "Filters: actor, actorType, action (exact, or a prefix ending in *), targetType, targetId, since and until (ISO-8601, inclusive). Pages by `cursor` (the previous answer's nextCursor); afterSeq still pages oldest first.",
        tags: ['audit'],
        querystring: {
          type: 'object',
          properties: {
            afterSeq: { type: 'string', pattern: '^[0-9]{1,15}$' },
            cursor: { type: 'string', maxLength: 200 },
            limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
            order: { type: 'string', enum: ['asc', 'desc'] },
            actor: { type: 'string', maxLength: 200 },
            actorType: { type: 'string', maxLength: 20 },
            action: { type: 'string', maxLength: 200 },
            targetType: { type: 'string', maxLength: 100 },
            targetId: { type: 'string', maxLength: 500 },
            since: { type: 'string', maxLength: 40 },
            until: { type: 'string', maxLength: 40 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => queryAudit(riposte.database.db, request.query),
  );
  app.get(
    '/api/v1/audit/verify',
    { config: { auth: ADMIN }, schema: { summary: "Verify the audit log's hash chain", tags: ['audit'] } },
    async () => riposte.audit.verify(riposte.database.db),
  );
}
