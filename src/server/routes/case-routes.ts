import type { FastifyInstance } from 'fastify';
import type { CasePatch } from '../../cases/case-service.ts';
import { CASE_STATUSES, RESOLUTIONS } from '../../core/case.ts';
import { SEVERITIES } from '../../core/alert.ts';
import type { Riposte } from '../../riposte.ts';
import { actorOf } from '../auth-hooks.ts';
import { ANALYST, ANY_ROLE } from '../route-auth.ts';
import { idParams, pageQuery } from './route-schemas.ts';

export function caseRoutes(app: FastifyInstance, riposte: Riposte): void {
  app.get<{
    Querystring: {
      status?: string;
      severity?: string;
      assignee?: string;
      tag?: string;
      q?: string;
      cursor?: string;
      limit?: string;
    };
  }>(
    '/api/v1/cases',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: 'List cases, newest first, with filters and full-text search',
        tags: ['cases'],
        querystring: pageQuery({
          status: { type: 'string', enum: [...CASE_STATUSES] },
          severity: { type: 'string', enum: [...SEVERITIES] },
          assignee: { type: 'string' },
          tag: { type: 'string' },
          q: {
            type: 'string',
            maxLength: 500,
            description: 'words that must all appear in the title, description, tags or observables',
          },
        }),
      },
    },
    async (request) => riposte.cases.list(request.query),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/cases/:id',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary:
          'A case with its alerts, observables (with their enrichment verdicts), comments and timeline (the view is audited)',
        tags: ['cases'],
        params: idParams,
      },
    },
    async (request) => {
      const detail = await riposte.cases.get(request.params.id, actorOf(request));
      return { ...detail, enrichment: await riposte.enrichment.summaries(detail.observables) };
    },
  );

  app.patch<{ Params: { id: string }; Body: CasePatch }>(
    '/api/v1/cases/:id',
    {
      config: { auth: ANALYST },
      schema: {
        summary: 'Change status, severity, assignee, tags or resolution',
        description: `Closing needs a resolution (${RESOLUTIONS.join(', ')}). Resolutions feed the rule's history, which weighs on future priority.`,
        tags: ['cases'],
        params: idParams,
        body: { type: 'object' },
      },
    },
    async (request) => riposte.cases.update(request.params.id, request.body, actorOf(request)),
  );

  app.post<{ Params: { id: string }; Body: { body?: unknown } }>(
    '/api/v1/cases/:id/comments',
    {
      config: { auth: ANALYST },
      schema: {
        summary: 'Comment on a case; @username mentions are recorded',
        tags: ['cases'],
        params: idParams,
        body: { type: 'object', properties: { body: { type: 'string' } }, required: ['body'] },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await riposte.cases.comment(request.params.id, request.body.body, actorOf(request))),
  );
}
