import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Riposte } from '../../riposte.ts';
import { actorOf } from '../auth-hooks.ts';
import { ADMIN, ANALYST } from '../route-auth.ts';

const nameParams = {
  type: 'object',
  properties: { name: { type: 'string', maxLength: 64 } },
  required: ['name'],
} as const;

/** The pull token: `?token=…`, or the password of HTTP basic authentication (what firewalls send). */
function pullToken(request: FastifyRequest<{ Querystring: { token?: string } }>): string | undefined {
  if (request.query.token) return request.query.token;
  const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (!basic) return undefined;
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1);
}

export function edlRoutes(app: FastifyInstance, riposte: Riposte): void {
  app.get<{ Params: { name: string }; Querystring: { token?: string } }>(
    '/edl/:name',
    {
      // Authenticated by the list's own pull token, not a user's: firewalls pull these.
      config: { auth: 'public' },
      schema: {
        summary: 'An external dynamic list as firewalls pull it: plain text, one live entry per line',
        tags: ['response'],
        params: nameParams,
        querystring: { type: 'object', properties: { token: { type: 'string' } } },
      },
    },
    async (request, reply) => {
      if (!(await riposte.edl.authenticate(request.params.name, pullToken(request))))
        return reply
          .code(401)
          .header('www-authenticate', 'Basic realm="riposte-edl"')
          .type('text/plain')
          .send('unauthorized\n');
      return reply
        .type('text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(await riposte.edl.render(request.params.name));
    },
  );
  app.get(
    '/api/v1/edl',
    { config: { auth: ANALYST }, schema: { summary: 'External dynamic lists', tags: ['response'] } },
    async () => ({ items: await riposte.edl.lists() }),
  );
  app.post<{ Body: { name?: unknown; type?: unknown; description?: unknown } }>(
    '/api/v1/edl',
    {
      config: { auth: ADMIN },
      schema: {
        summary: 'Create an external dynamic list; returns its pull token once',
        tags: ['response'],
        body: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            type: { type: 'string', enum: ['ip', 'domain', 'url'] },
            description: { type: 'string' },
          },
          required: ['name', 'type'],
        },
      },
    },
    async (request, reply) => {
      const created = await riposte.edl.create(
        { name: request.body.name, type: request.body.type, description: request.body.description },
        actorOf(request),
      );
      return reply
        .code(201)
        .send({ ...created, url: `${riposte.config.publicUrl}/edl/${created.list.name}` });
    },
  );
}
