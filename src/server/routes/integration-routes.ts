import type { FastifyInstance } from 'fastify';
import { manifestOf } from '../../connections/integration-catalog.ts';
import { integrationContext } from '../../connections/integration-actions.ts';
import { withoutCredentials } from '../../connections/instance-store.ts';
import type { Riposte } from '../../riposte.ts';
import { actorOf } from '../auth-hooks.ts';
import { ADMIN, ANALYST, ANY_ROLE } from '../route-auth.ts';

const idParam = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 } },
  required: ['id'],
} as const;
const instanceParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 }, name: { type: 'string', maxLength: 64 } },
  required: ['id', 'name'],
} as const;

type InstanceParams = { Params: { id: string; name: string } };

export function integrationRoutes(app: FastifyInstance, riposte: Riposte): void {
  app.get(
    '/api/v1/integrations',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary:
          'The manifest of every integration: credentials fields, actions with their input and output schemas',
        tags: ['integrations'],
      },
    },
    async () => ({ items: riposte.integrations.list().map(manifestOf) }),
  );

  app.get(
    '/api/v1/integration-instances',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary:
          'Every configured instance with its health: last connection test and last action (never secret values)',
        tags: ['integrations'],
      },
    },
    async () => ({ items: await riposte.instances.list() }),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/integrations/:id',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: "One integration's manifest and its instances",
        tags: ['integrations'],
        params: idParam,
      },
    },
    async (request) => {
      const integration = riposte.integrations.get(request.params.id);
      return { ...manifestOf(integration), instances: await riposte.instances.list(integration) };
    },
  );

  app.put<InstanceParams & { Body: unknown }>(
    '/api/v1/integrations/:id/instances/:name',
    {
      config: { auth: ADMIN },
      schema: {
        summary: 'Create or update an instance: { fields: {…}, isDefault? }; secret fields are write-only',
        description:
          'A secret field left out or sent empty keeps its stored value; `clearSecrets: ["name"]` removes one. Responses never contain secret values.',
        tags: ['integrations'],
        params: instanceParams,
        body: { type: 'object' },
      },
    },
    async (request) =>
      riposte.instances.put(
        riposte.integrations.get(request.params.id),
        request.params.name,
        request.body,
        actorOf(request),
      ),
  );

  app.delete<InstanceParams>(
    '/api/v1/integrations/:id/instances/:name',
    {
      config: { auth: ADMIN },
      schema: { summary: 'Delete an instance', tags: ['integrations'], params: instanceParams },
    },
    async (request, reply) => {
      await riposte.instances.remove(
        riposte.integrations.get(request.params.id).id,
        request.params.name,
        actorOf(request),
      );
      return reply.code(204).send();
    },
  );

  app.post<InstanceParams>(
    '/api/v1/integrations/:id/instances/:name/test',
    {
      config: { auth: ANALYST },
      schema: {
        summary: "Test an instance's connection and credentials",
        tags: ['integrations'],
        params: instanceParams,
      },
    },
    async (request) => {
      const integration = riposte.integrations.get(request.params.id);
      const instance = await riposte.instances.resolve(integration, request.params.name);
      if (!integration.testConnection)
        return { ok: true, tested: false, detail: `${integration.id} has no connection test` };
      const started = Date.now();
      const signal = AbortSignal.timeout(30_000);
      let error: string | null = null;
      try {
        await integration.testConnection(
          integrationContext(
            integration,
            instance,
            { http: riposte.outbound },
            { idempotencyKey: `test:${Date.now()}`, attempt: 1, signal },
          ),
        );
      } catch (failure) {
        error = failure instanceof Error ? failure.message : String(failure);
      }
      await riposte.instances.recordTest(integration, instance, error);
      if (error !== null) error = withoutCredentials(error, integration, instance);
      return { ok: error === null, tested: true, error, ms: Date.now() - started };
    },
  );

  app.get<{ Querystring: { type: string; value: string } }>(
    '/api/v1/enrichment',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: 'What the providers said about one observable: verdict, score, sources, when',
        tags: ['integrations'],
        querystring: {
          type: 'object',
          properties: { type: { type: 'string' }, value: { type: 'string', maxLength: 2048 } },
          required: ['type', 'value'],
        },
      },
    },
    async (request) => {
      const [summary] = await riposte.enrichment.summaries([request.query]);
      return (
        summary ?? {
          type: request.query.type,
          value: request.query.value,
          verdict: 'unknown',
          score: null,
          sources: [],
        }
      );
    },
  );
}
