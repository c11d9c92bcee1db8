import type { FastifyInstance } from 'fastify';
import type { Riposte } from '../../riposte.ts';
import { dryRun } from '../../runs/dry-run.ts';
import { PlaybookTests } from '../../runs/playbook-tests.ts';
import { recentOutcomes } from '../../runs/run-outcomes.ts';
import { actorOf } from '../auth-hooks.ts';
import { ANALYST, ANY_ROLE } from '../route-auth.ts';
import { deciderOf } from './run-routes.ts';

const idParam = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,63}$' } },
  required: ['id'],
} as const;

const DEFAULT_DRY_RUN_WAIT_S = 10;

/** What the console's playbook pages need beyond the playbook itself: golden tests, dry runs, outcomes. */
export function playbookTestRoutes(app: FastifyInstance, riposte: Riposte): void {
  const tests = new PlaybookTests(riposte.database.db, riposte.audit, riposte.playbooks);

  app.get<{ Querystring: { last?: string } }>(
    '/api/v1/playbooks/run-outcomes',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: "Per playbook, its last runs' outcomes by status (dry runs left out)",
        tags: ['playbooks'],
        querystring: {
          type: 'object',
          properties: { last: { type: 'string', pattern: '^[0-9]{1,3}$', description: '1–100, default 20' } },
        },
      },
    },
    async (request) => {
      const last = Math.min(100, Math.max(1, Number(request.query.last ?? 20)));
      const ids = (await riposte.playbooks.list()).map((p) => p.id);
      return { last, items: await recentOutcomes(riposte.database.db, ids, last) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/playbooks/:id/tests',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: "The playbook's stored golden test file (source null when there is none)",
        tags: ['playbooks'],
        params: idParam,
      },
    },
    async (request) => tests.get(request.params.id),
  );

  app.put<{ Params: { id: string }; Body: { source?: unknown } }>(
    '/api/v1/playbooks/:id/tests',
    {
      config: { auth: ANALYST },
      schema: {
        summary: "Store the playbook's golden test file",
        description:
          'The test file (docs/playbook-testing.md) is refused (400) with every problem, line and column, when it cannot be read.',
        tags: ['playbooks'],
        params: idParam,
        body: { type: 'object', properties: { source: { type: 'string' } }, required: ['source'] },
      },
    },
    async (request) => tests.save(request.params.id, request.body.source, actorOf(request)),
  );

  app.post<{ Params: { id: string }; Body: { source?: unknown; tests?: unknown } }>(
    '/api/v1/playbooks/:id/tests/run',
    {
      config: { auth: ANALYST },
      schema: {
        summary: 'Run the golden tests in memory: nothing is written, no action runs',
        description:
          '`tests` runs that test file instead of the stored one; `source` tests that playbook source instead of the current version.',
        tags: ['playbooks'],
        params: idParam,
        body: {
          type: 'object',
          properties: { source: { type: 'string' }, tests: { type: 'string' } },
        },
      },
    },
    async (request) => tests.run(request.params.id, request.body ?? {}),
  );

  app.post<{ Params: { id: string }; Body: { alertId: string; source?: string; waitSeconds?: number } }>(
    '/api/v1/playbooks/:id/dry-run',
    {
      config: { auth: ANALYST },
      schema: {
        summary: 'Dry-run the playbook on a stored alert: write and destructive actions are intercepted',
        description:
          'Without `source`: a run of the current version, stored and flagged dryRun, answered once it settles (at most `waitSeconds`, default 10). With `source`: that unsaved source simulated on the alert, nothing stored.',
        tags: ['playbooks'],
        params: idParam,
        body: {
          type: 'object',
          properties: {
            alertId: { type: 'string', minLength: 1, maxLength: 200 },
            source: { type: 'string' },
            waitSeconds: { type: 'integer', minimum: 0, maximum: 60 },
          },
          required: ['alertId'],
        },
      },
    },
    async (request) =>
      dryRun(
        {
          db: riposte.database.db,
          playbooks: riposte.playbooks,
          runs: riposte.runs,
          actions: riposte.actions,
          secrets: () => riposte.secrets.values(),
        },
        {
          playbookId: request.params.id,
          alertId: request.body.alertId,
          ...(request.body.source === undefined ? {} : { source: request.body.source }),
          startedBy: deciderOf(request).name,
          actor: actorOf(request),
          waitMs: (request.body.waitSeconds ?? DEFAULT_DRY_RUN_WAIT_S) * 1000,
        },
      ),
  );
}
