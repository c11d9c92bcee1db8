import type { FastifyInstance } from 'fastify';
import type { Riposte } from '../../riposte.ts';
import { actorOf } from '../auth-hooks.ts';
import { ADMIN } from '../route-auth.ts';

const nameParams = {
  type: 'object',
  properties: { name: { type: 'string', maxLength: 64 } },
  required: ['name'],
} as const;

/** Secrets are write-only through the API: names and dates are listed, values never leave the server. */
export function secretRoutes(app: FastifyInstance, riposte: Riposte): void {
  app.get(
    '/api/v1/secrets',
    { config: { auth: ADMIN }, schema: { summary: 'List secret names (never values)', tags: ['secrets'] } },
    async () => ({ items: await riposte.secrets.list() }),
  );
  app.put<{ Params: { name: string }; Body: { value?: unknown } }>(
    '/api/v1/secrets/:name',
    {
      config: { auth: ADMIN },
      schema: {
        summary: 'Set a secret playbooks read as secrets.<name>',
        tags: ['secrets'],
        params: nameParams,
        body: { type: 'object', properties: { value: { type: 'string' } }, required: ['value'] },
      },
    },
    async (request) => riposte.secrets.set(request.params.name, request.body.value, actorOf(request)),
  );
  app.delete<{ Params: { name: string } }>(
    '/api/v1/secrets/:name',
    {
      config: { auth: ADMIN },
      schema: { summary: 'Delete a secret', tags: ['secrets'], params: nameParams },
    },
    async (request, reply) => {
      await riposte.secrets.delete(request.params.name, actorOf(request));
      return reply.code(204).send();
    },
  );
}
