import { planGraph, type PlanGraph } from '../../playbooks/plan-graph.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RiposteError } from '../../core/riposte-error.ts';
import { playbookJsonSchema } from '../../playbooks/playbook-schema.ts';
import type { Riposte } from '../../riposte.ts';
import { actorOf } from '../auth-hooks.ts';
import { ANALYST, ANY_ROLE } from '../route-auth.ts';
import { CACAO_PROFILES, type CacaoProfile } from '../../playbooks/cacao/cacao-issues.ts';
import { parseWindow } from '../../dashboard/dashboard-window.ts';

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain'];

/** A playbook arrives as raw YAML (`Content-Type: application/yaml`) or as JSON `{ "source": "…" }`. */
function sourceOf(request: FastifyRequest): unknown {
  const body = request.body;
  if (typeof body === 'string') return body;
  if (body !== null && typeof body === 'object' && !Array.isArray(body))
    return (body as { source?: unknown }).source;
  throw new RiposteError('validation_failed', 'send the playbook as YAML, or as JSON { "source": "…" }', {
    path: '/',
  });
}

const idParam = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,63}$' } },
  required: ['id'],
} as const;

export function playbookRoutes(app: FastifyInstance, riposte: Riposte): void {
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.get(
    '/api/v1/schemas/playbook.json',
    {
      config: { auth: 'public' },
      schema: { summary: 'The JSON Schema of the playbook language, for editors', tags: ['playbooks'] },
    },
    async (_request, reply) => reply.type('application/schema+json').send(playbookJsonSchema),
  );

  app.get(
    '/api/v1/actions',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: 'The actions playbooks can use, with their input schemas and effects',
        tags: ['playbooks'],
      },
    },
    async () => ({
      items: riposte.actions.list().map((a) => ({
        id: a.id,
        title: a.title,
        description: a.description,
        effect: a.effect,
        input: a.input,
        output: a.output ?? null,
        inverse: a.inverse ?? null,
        timeoutMs: a.timeoutMs,
        retry: a.retry,
      })),
    }),
  );

  app.post(
    '/api/v1/playbooks/validate',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: 'Validate a playbook without storing it: every error with its line and column',
        tags: ['playbooks'],
      },
    },
    async (request) => {
      const source = sourceOf(request);
      if (typeof source !== 'string')
        throw new RiposteError('validation_failed', 'source must be a YAML string', { path: '/source' });
      const result = riposte.playbooks.validate(source);
      return result.ok
        ? {
            valid: true,
            id: result.plan.id,
            errors: [],
            warnings: result.warnings,
            graph: planGraph(result.plan),
          }
        : { valid: false, errors: result.errors, warnings: result.warnings };
    },
  );

  app.get(
    '/api/v1/playbooks',
    { config: { auth: ANY_ROLE }, schema: { summary: 'List playbooks', tags: ['playbooks'] } },
    async () => ({ items: await riposte.playbooks.list() }),
  );

  app.post(
    '/api/v1/playbooks',
    {
      config: { auth: ANALYST },
      schema: {
        summary: 'Create a playbook, or store a new version of the one with the same id',
        description: 'An invalid playbook is refused (422) with all its errors; it is never stored.',
        tags: ['playbooks'],
      },
    },
    async (request, reply) => {
      const result = await riposte.playbooks.save(sourceOf(request), actorOf(request));
      return reply.code(result.changed ? 201 : 200).send(result);
    },
  );

  app.put<{ Params: { id: string } }>(
    '/api/v1/playbooks/:id',
    {
      config: { auth: ANALYST },
      schema: { summary: 'Store a new version of a playbook', tags: ['playbooks'], params: idParam },
    },
    async (request) => {
      const source = sourceOf(request);
      if (typeof source === 'string') {
        const result = riposte.playbooks.validate(source);
        if (result.ok && result.plan.id !== request.params.id)
          throw new RiposteError(
            'validation_failed',
            `the source's id is "${result.plan.id}", not "${request.params.id}"`,
            {
              path: '/id',
            },
          );
      }
      return riposte.playbooks.save(source, actorOf(request));
    },
  );

  app.post<{ Querystring: { profile?: CacaoProfile; id?: string; dry_run?: 'true' | 'false' } }>(
    '/api/v1/playbooks/import/cacao',
    {
      config: { auth: ANALYST },
      schema: {
        summary: 'Import a CACAO v2.0 playbook (JSON) as a Riposte playbook',
        description:
          'The document is translated into the Riposte playbook language, compiled with every check and stored as a new version ' +
          '(the same CACAO id imported again is a new version of the same playbook). `profile=strict` refuses every departure ' +
          'from CACAO 2.0; `lenient` (default) reads what can be read unambiguously and says so in `warnings`. ' +
          'Errors (422) name the place in the document as a JSON Pointer. `dry_run=true` translates without storing.',
        tags: ['playbooks'],
        querystring: {
          type: 'object',
          properties: {
            profile: { type: 'string', enum: [...CACAO_PROFILES], default: 'lenient' },
            id: idParam.properties.id,
            dry_run: { type: 'string', enum: ['true', 'false'], default: 'false' },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { profile = 'lenient', id } = request.query;
      const dryRun = request.query.dry_run === 'true';
      if (request.body === undefined || request.body === null)
        throw new RiposteError('validation_failed', 'send the CACAO playbook as the JSON body', {
          path: '/',
        });
      const answer = await riposte.cacao.import(
        { document: request.body, profile, dryRun, ...(id === undefined ? {} : { id }) },
        actorOf(request),
      );
      const changed = answer.saved?.changed ?? false;
      return reply.code(changed ? 201 : 200).send({
        playbookId: answer.playbookId,
        cacaoId: answer.cacaoId,
        dryRun,
        changed,
        playbook: answer.saved?.playbook ?? null,
        source: answer.source,
        warnings: answer.warnings,
      });
    },
  );

  app.get<{ Params: { id: string }; Querystring: { version?: string } }>(
    '/api/v1/playbooks/:id/cacao',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: 'A playbook as a CACAO v2.0 document',
        description:
          "Riposte's own steps are action steps with a manual command that says what they do, and carry Riposte's extension " +
          'so that importing the document back gives the same playbook.',
        tags: ['playbooks'],
        params: idParam,
        querystring: {
          type: 'object',
          properties: { version: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } },
          additionalProperties: false,
        },
      },
    },
    async (request) =>
      riposte.cacao.export(
        request.params.id,
        request.query.version === undefined ? undefined : Number(request.query.version),
      ),
  );

  const windowQuery = {
    type: 'object',
    properties: {
      window: {
        type: 'string',
        maxLength: 6,
        description: 'hours or days: 24h, 7d (default), 30d; at most 90d',
      },
    },
    additionalProperties: false,
  } as const;

  app.get<{ Params: { id: string }; Querystring: { window?: string } }>(
    '/api/v1/playbooks/:id/metrics',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary:
          'How a playbook and each of its steps behave: runs, failures, durations, waiting, branches, time saved',
        description:
          'Dry runs are left out. Step figures read the newest 2,000 runs of the window; `neverChanges` marks a ' +
          'condition, task or approval that always ended the same way over at least 10 executions. docs/playbooks.md § Metrics.',
        tags: ['playbooks'],
        params: idParam,
        querystring: windowQuery,
      },
    },
    async (request) => {
      const window = parseWindow(request.query.window);
      const { plan } = await riposte.playbooks.current(request.params.id);
      return { window: window.label, ...(await riposte.playbookMetrics.forPlaybook(plan, window.ms)) };
    },
  );

  app.get<{ Querystring: { window?: string } }>(
    '/api/v1/playbook-metrics',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: "Every playbook's runs and analyst time saved over a window",
        tags: ['playbooks'],
        querystring: windowQuery,
      },
    },
    async (request) => {
      const window = parseWindow(request.query.window);
      return { window: window.label, ...(await riposte.playbookMetrics.overview(window.ms)) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/playbooks/:id',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: 'A playbook with its current source and its graph (nodes and edges)',
        tags: ['playbooks'],
        params: idParam,
      },
    },
    async (request) => withGraph(riposte, request.params.id, await riposte.playbooks.get(request.params.id)),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/playbooks/:id',
    {
      config: { auth: ANALYST },
      schema: {
        summary: 'Delete (disable and hide) a playbook; its versions stay',
        tags: ['playbooks'],
        params: idParam,
      },
    },
    async (request, reply) => {
      await riposte.playbooks.remove(request.params.id, actorOf(request));
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/playbooks/:id/versions',
    {
      config: { auth: ANY_ROLE },
      schema: { summary: "A playbook's versions, newest first", tags: ['playbooks'], params: idParam },
    },
    async (request) => ({ items: await riposte.playbooks.versions(request.params.id) }),
  );

  app.get<{ Params: { id: string; version: string } }>(
    '/api/v1/playbooks/:id/versions/:version',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: 'The source of one version',
        tags: ['playbooks'],
        params: {
          type: 'object',
          properties: { id: idParam.properties.id, version: { type: 'string', pattern: '^[0-9]{1,9}$' } },
          required: ['id', 'version'],
        },
      },
    },
    async (request) =>
      withGraph(
        riposte,
        request.params.id,
        await riposte.playbooks.version(request.params.id, Number(request.params.version)),
      ),
  );
}

/**
 * The version's graph for the console, from the service's per-version plan cache (a version compiles
 * once); null if a stored version no longer compiles (an action was removed).
 */
async function withGraph<T extends { version: number }>(
  riposte: Riposte,
  id: string,
  playbook: T,
): Promise<T & { graph: PlanGraph | null }> {
  const plan = await riposte.playbooks.plan(id, playbook.version).catch(() => null);
  return { ...playbook, graph: plan ? planGraph(plan) : null };
}
