import type { FastifyInstance } from 'fastify';
import { manifestOf } from '../../connections/integration-catalog.ts';
import type { Riposte } from '../../riposte.ts';
import { actorOf } from '../auth-hooks.ts';
import { ADMIN } from '../route-auth.ts';

type ImportBody = { Body: { id: string; name?: string; spec: unknown } };

export function openapiImportRoutes(app: FastifyInstance, riposte: Riposte): void {
  app.post<ImportBody>(
    '/api/v1/integrations/openapi',
    {
      config: { auth: ADMIN },
      schema: {
        summary: 'Import an OpenAPI 3 description as an integration: { id, name?, spec }',
        description:
          'spec is the description as JSON or YAML text (or a JSON object). One action per operation. ' +
          'A description that cannot be imported answers 422 invalid_openapi with every problem in ' +
          '`errors`, each at a JSON pointer into the description. Answers 201 with the manifest and ' +
          'warnings (operations left out and why).',
        tags: ['integrations'],
        body: {
          type: 'object',
          properties: {
            id: { type: 'string', maxLength: 64 },
            name: { type: 'string', minLength: 1, maxLength: 200 },
            spec: { type: ['string', 'object'] },
          },
          required: ['id', 'spec'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { integration, warnings } = await riposte.openapiSpecs.import(request.body, actorOf(request));
      return reply.code(201).send({ ...manifestOf(integration), warnings });
    },
  );
}
