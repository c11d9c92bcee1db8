import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { Riposte } from '../../riposte.ts';
import type { ServerMetrics } from '../metrics.ts';
import type { OpenApiCollector } from '../openapi.ts';
import { renderApiDocs } from '../api-docs-page.ts';

export const VERSION = '0.1.0';

export function systemRoutes(
  app: FastifyInstance,
  riposte: Riposte,
  metrics: ServerMetrics,
  openapi: OpenApiCollector,
  state: { closing: boolean },
): void {
  app.get(
    '/healthz',
    {
      config: { auth: 'public' },
      schema: { summary: 'Liveness and database reachability', tags: ['system'] },
    },
    async (_request, reply) => {
      if (state.closing) return reply.code(503).send({ status: 'shutting_down' });
      await sql`SELECT 1`.execute(riposte.database.db);
      return { status: 'ok', version: VERSION, database: riposte.database.dialect };
    },
  );
  app.get(
    '/metrics',
    { config: { auth: 'public' }, schema: { summary: 'Prometheus metrics', tags: ['system'] } },
    async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  app.get(
    '/api/v1/openapi.json',
    { config: { auth: 'public' }, schema: { summary: 'This API as OpenAPI 3.1', tags: ['system'] } },
    async () => openapi.document(VERSION),
  );
  app.get(
    '/docs',
    { config: { auth: 'public' }, schema: { summary: 'Human-readable API documentation', tags: ['system'] } },
    async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(renderApiDocs(openapi.document(VERSION))),
  );
}
