import type { FastifyInstance } from 'fastify';
import type { Riposte } from '../../riposte.ts';
import { actorOf } from '../auth-hooks.ts';
import { ANALYST, ANY_ROLE } from '../route-auth.ts';
import { idParams, pageQuery } from './route-schemas.ts';
import { BULK_ACTIONS, type BulkRequest } from '../../cases/alert-triage.ts';
import { SEVERITIES } from '../../core/alert.ts';
import type { AlertFilter } from '../../ingest/alert-query.ts';

export function alertRoutes(app: FastifyInstance, riposte: Riposte): void {
  app.get<{ Querystring: AlertFilter }>(
    '/api/v1/alerts',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: 'List alerts, newest first',
        tags: ['alerts'],
        description:
          'Every filter reads an index: source, severity, status, case (or none), rule, a time range (ids are time-ordered), and text through the case search index.',
        querystring: pageQuery({
          source: { type: 'string' },
          severity: { type: 'string' },
          status: { type: 'string' },
          caseId: { type: 'string' },
          rule: {
            type: 'string',
            maxLength: 500,
            description: "the rule's id, or its name when it has none",
          },
          hasCase: { type: 'string', enum: ['true', 'false'], description: 'in a case or not (yet)' },
          q: {
            type: 'string',
            maxLength: 200,
            description: "words that must all appear in the alert's title, rule name or observable values",
          },
          from: { type: 'string', maxLength: 40, description: 'received at or after (ISO 8601)' },
          to: { type: 'string', maxLength: 40, description: 'received before (ISO 8601)' },
        }),
      },
    },
    async (request) => riposte.alerts.list(request.query),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/alerts/:id',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: 'One alert with its raw event and the enrichment of its observables (the view is audited)',
        tags: ['alerts'],
        params: idParams,
      },
    },
    async (request) => {
      const alert = await riposte.alerts.get(request.params.id);
      await riposte.audit.write(riposte.database.db, [
        { actor: actorOf(request), action: 'alert.view', targetType: 'alert', targetId: alert.id },
      ]);
      return { ...alert, enrichment: await riposte.enrichment.summaries(alert.observables) };
    },
  );

  app.post<{ Body: BulkRequest }>(
    '/api/v1/alerts/bulk',
    {
      config: { auth: ANALYST },
      schema: {
        summary: 'Change many alerts at once: into an open case, into a new case, or a new severity',
        description:
          'Answers each id with done, unchanged or not_found; every change is audited. At most 500 ids.',
        tags: ['alerts'],
        body: {
          type: 'object',
          properties: {
            action: { type: 'string', enum: [...BULK_ACTIONS] },
            ids: { type: 'array', items: { type: 'string' }, maxItems: 500 },
            caseId: { type: 'string', description: 'attach: the open case to put the alerts in' },
            title: {
              type: 'string',
              description: "open_case: the new case's title (default: the first alert's)",
            },
            severity: { type: 'string', enum: [...SEVERITIES], description: 'set_severity' },
          },
          required: ['action', 'ids'],
        },
      },
    },
    async (request) => riposte.triage.bulk(request.body, actorOf(request)),
  );
}
