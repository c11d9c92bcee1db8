import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Riposte } from '../../riposte.ts';
import { VIEW_PAGES, type ViewViewer } from '../../views/saved-views.ts';
import { actorOf } from '../auth-hooks.ts';
import { ANY_ROLE } from '../route-auth.ts';
import { idParams } from './route-schemas.ts';

function viewer(request: FastifyRequest): ViewViewer {
  const actor = actorOf(request);
  return { owner: actor.id, admin: request.principal?.role === 'admin', actor };
}

export function viewRoutes(app: FastifyInstance, riposte: Riposte): void {
  app.get<{ Querystring: { page?: string } }>(
    '/api/v1/views',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: 'Saved views: yours and the shared ones, by name',
        tags: ['views'],
        querystring: {
          type: 'object',
          properties: { page: { type: 'string', enum: [...VIEW_PAGES] } },
        },
      },
    },
    async (request) => ({ items: await riposte.views.list(viewer(request), request.query.page) }),
  );

  app.post<{ Body: { name?: unknown; page?: unknown; query?: unknown; shared?: unknown } }>(
    '/api/v1/views',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: 'Save a view: a name, the page, its filter query, shared with everyone or not',
        tags: ['views'],
        body: {
          type: 'object',
          properties: {
            name: { type: 'string', maxLength: 100 },
            page: { type: 'string', enum: [...VIEW_PAGES] },
            query: {
              type: 'string',
              maxLength: 2000,
              description: 'the list query string, e.g. severity=high',
            },
            shared: { type: 'boolean' },
          },
          required: ['name', 'page', 'query'],
        },
      },
    },
    async (request, reply) => reply.code(201).send(await riposte.views.create(request.body, viewer(request))),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/views/:id',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: 'Delete a saved view (its owner, or an admin)',
        tags: ['views'],
        params: idParams,
      },
    },
    async (request, reply) => {
      await riposte.views.delete(request.params.id, viewer(request));
      return reply.code(204).send();
    },
  );
}
