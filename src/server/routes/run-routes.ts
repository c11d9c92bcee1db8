import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RUN_STATUSES } from '../../engine/engine-types.ts';
import { RiposteError } from '../../core/riposte-error.ts';
import type { Riposte } from '../../riposte.ts';
import type { Decider } from '../../runs/task-service.ts';
import { actorOf } from '../auth-hooks.ts';
import { ANALYST, ANY_ROLE } from '../route-auth.ts';
import { idParams, pageQuery } from './route-schemas.ts';

export function deciderOf(request: FastifyRequest): Decider {
  const principal = request.principal;
  if (!principal) throw new RiposteError('unauthenticated', 'sign in to do this');
  return { name: principal.name, role: principal.role, actor: actorOf(request) };
}

export function runRoutes(app: FastifyInstance, riposte: Riposte): void {
  app.get<{
    Querystring: {
      status?: string;
      playbookId?: string;
      alertId?: string;
      caseId?: string;
      inbox?: string;
      cursor?: string;
      limit?: string;
    };
  }>(
    '/api/v1/runs',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: 'List runs, newest first',
        description:
          '`inbox=true` lists the failure inbox: failed runs that need a person (retry or cancel).',
        tags: ['runs'],
        querystring: pageQuery({
          status: { type: 'string', enum: [...RUN_STATUSES] },
          playbookId: { type: 'string' },
          alertId: { type: 'string' },
          caseId: { type: 'string' },
          inbox: { type: 'string', enum: ['true', 'false'] },
        }),
      },
    },
    async (request) => riposte.runs.list({ ...request.query, inbox: request.query.inbox === 'true' }),
  );

  app.post<{
    Body: { playbookId?: string; alertId?: string; caseId?: string; inputs?: unknown; dryRun?: boolean };
  }>(
    '/api/v1/runs',
    {
      config: { auth: ANALYST },
      schema: {
        summary: 'Start a playbook by hand (optionally on an alert or case, optionally as a dry run)',
        tags: ['runs'],
        body: {
          type: 'object',
          properties: {
            playbookId: { type: 'string' },
            alertId: { type: 'string' },
            caseId: { type: 'string' },
            inputs: { type: 'object' },
            dryRun: { type: 'boolean' },
          },
          required: ['playbookId'],
        },
      },
    },
    async (request, reply) => {
      const { playbookId, alertId, caseId, inputs, dryRun } = request.body;
      const run = await riposte.runs.start({
        playbookId: playbookId!,
        alertId: alertId ?? null,
        caseId: caseId ?? null,
        inputs,
        dryRun: dryRun === true,
        startedBy: deciderOf(request).name,
        actor: actorOf(request),
      });
      return reply.code(201).send(run);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/runs/:id',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: "A run with each step's state, inputs, outputs, timings and error",
        tags: ['runs'],
        params: idParams,
      },
    },
    async (request) => {
      const run = await riposte.runs.get(request.params.id);
      const guardrails = (await riposte.gate.gatesOf(run.id))
        .filter((g) => !g.idempotency_key.startsWith('override:') || g.state === 'overridden')
        .map((g) => ({
          stepKey: g.step_key,
          state: g.state,
          reason: g.reason,
          taskId: g.task_id,
          at: g.created_at,
        }));
      return { ...run, guardrails, actions: await riposte.response.ledger({ runId: run.id }) };
    },
  );

  app.post<{ Params: { id: string }; Body: { reason?: string } | undefined }>(
    '/api/v1/runs/:id/cancel',
    {
      config: { auth: ANALYST },
      schema: {
        summary: 'Cancel a run: its work in flight is stopped and its open tasks closed',
        tags: ['runs'],
        params: idParams,
      },
    },
    async (request) =>
      riposte.runs.cancel(request.params.id, request.body?.reason, actorOf(request), deciderOf(request).name),
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/runs/:id/retry',
    {
      config: { auth: ANALYST },
      schema: {
        summary: 'Retry a failed run from the step that failed it',
        tags: ['runs'],
        params: idParams,
      },
    },
    async (request) => riposte.runs.retry(request.params.id, actorOf(request), deciderOf(request).name),
  );

  app.post<{ Params: { id: string }; Body: unknown }>(
    '/api/v1/runs/:id/events',
    {
      config: { auth: ANALYST },
      schema: {
        summary: 'Send a named event to a run waiting for it',
        tags: ['runs'],
        params: idParams,
        body: { type: 'object', properties: { name: { type: 'string' }, payload: {} }, required: ['name'] },
      },
    },
    async (request) => riposte.runs.signal(request.params.id, request.body, actorOf(request)),
  );
}
