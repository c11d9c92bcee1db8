import type { FastifyInstance } from 'fastify';
import type { Riposte } from '../../riposte.ts';
import { ANY_ROLE } from '../route-auth.ts';
import { parseWindow } from '../../dashboard/dashboard-window.ts';

export function dashboardRoutes(app: FastifyInstance, riposte: Riposte): void {
  app.get<{ Querystring: { window?: string } }>(
    '/api/v1/dashboard',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary:
          'The dashboard: open cases, alerts per hour, pending work, MTTA, MTTC, MTTR, automation, analyst time saved, top rules',
        description:
          'MTTA, MTTR, the automation rate and the rules are over the window (default 7d); alerts per hour over the last 24 h. Definitions: docs/console.md § Dashboard.',
        tags: ['dashboard'],
        querystring: {
          type: 'object',
          properties: {
            window: {
              type: 'string',
              maxLength: 6,
              description: 'hours or days: 24h, 7d (default), 30d; at most 90d',
            },
          },
        },
      },
    },
    async (request) => {
      const principal = request.principal!;
      const figures = await riposte.dashboard.figures(request.query.window, {
        name: principal.name,
        role: principal.role,
      });
      const overview = await riposte.playbookMetrics.overview(parseWindow(request.query.window).ms);
      const timed = overview.items.filter((i) => i.timeSavedMs !== null);
      return {
        ...figures,
        timeSaved: {
          ms: overview.timeSavedMs,
          playbooks: timed.length,
          runs: timed.reduce((n, i) => n + i.succeeded, 0),
        },
      };
    },
  );
}
