import type { FastifyInstance } from 'fastify';
import type { Riposte } from '../../riposte.ts';
import { actorOf } from '../auth-hooks.ts';
import { ANY_ROLE } from '../route-auth.ts';
import { idParams, pageQuery } from './route-schemas.ts';

export function alertRoutes(app: FastifyInstance, riposte: Riposte): void {
  app.get<{
    Querystring: {
      source?: string;
      severity?: string;
      status?: string;
      caseId?: string;
      cursor?: string;
      limit?: string;
    };
  }>(
    '/api/v1/alerts',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: 'List alerts, newest first',
        tags: ['alerts'],
        querystring: pageQuery({
          source: { type: 'string' },
          severity: { type: 'string' },
          status: { type: 'string' },
          caseId: { type: 'string' },
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
}
