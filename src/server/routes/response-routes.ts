import type { FastifyInstance } from 'fastify';
import { RiposteError, invalidField } from '../../core/riposte-error.ts';
import type { Riposte } from '../../riposte.ts';
import { actorOf } from '../auth-hooks.ts';
import { ADMIN, ANALYST, ANY_ROLE, MANAGER } from '../route-auth.ts';
import { idParams } from './route-schemas.ts';
import { deciderOf } from './run-routes.ts';

export function responseRoutes(app: FastifyInstance, riposte: Riposte): void {
  app.get(
    '/api/v1/response/rules',
    {
      config: { auth: MANAGER },
      schema: {
        summary: 'Response rules: policies, protected entities, blast-radius limits, cool-downs',
        tags: ['response'],
      },
    },
    async () => ({ items: await riposte.responseRules.rules() }),
  );
  app.post<{ Body: unknown }>(
    '/api/v1/response/rules',
    {
      config: { auth: ADMIN },
      schema: { summary: 'Add a response rule', tags: ['response'], body: { type: 'object' } },
    },
    async (request, reply) =>
      reply.code(201).send(await riposte.responseRules.addRule(request.body, actorOf(request))),
  );
  app.delete<{ Params: { id: string } }>(
    '/api/v1/response/rules/:id',
    {
      config: { auth: ADMIN },
      schema: { summary: 'Remove a response rule', tags: ['response'], params: idParams },
    },
    async (request, reply) => {
      await riposte.responseRules.removeRule(request.params.id, actorOf(request));
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/response/kill-switch',
    {
      config: { auth: ANY_ROLE },
      schema: { summary: 'Whether destructive automation is paused', tags: ['response'] },
    },
    async () => riposte.responseRules.killSwitch(),
  );
  app.put<{ Body: { engaged?: unknown; reason?: unknown } }>(
    '/api/v1/response/kill-switch',
    {
      config: { auth: MANAGER },
      schema: {
        summary:
          'Engage or lift the kill switch: destructive actions wait while it is engaged, then continue',
        tags: ['response'],
        body: {
          type: 'object',
          properties: { engaged: { type: 'boolean' }, reason: { type: 'string' } },
          required: ['engaged'],
        },
      },
    },
    async (request) => {
      const { engaged, reason } = request.body;
      if (typeof engaged !== 'boolean') throw invalidField('/engaged', 'engaged must be true or false');
      const state = await riposte.responseRules.setKillSwitch(
        engaged,
        typeof reason === 'string' ? reason : null,
        actorOf(request),
      );
      if (!engaged) void riposte.executor.retryParked();
      return state;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/cases/:id/actions',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: 'The side-effecting actions taken for a case: target, result, inverse, expiry, undo',
        tags: ['response'],
        params: idParams,
      },
    },
    async (request) => ({ items: await riposte.response.ledger({ caseId: request.params.id }) }),
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/cases/:id/rollback',
    {
      config: { auth: ANALYST },
      schema: {
        summary:
          "Undo the case's containment in reverse order; each undo passes the guardrails; reports each step",
        tags: ['response'],
        params: idParams,
      },
    },
    async (request) => {
      await riposte.cases.get(request.params.id);
      return { items: await riposte.response.rollbackCase(request.params.id, actorOf(request)) };
    },
  );

  app.post<{ Params: { id: string }; Body: { stepKey?: unknown; reason?: unknown } }>(
    '/api/v1/runs/:id/override',
    {
      config: { auth: ADMIN },
      schema: {
        summary: 'Let a step act on a protected entity (admin, with a reason); the failed run is retried',
        tags: ['response'],
        params: idParams,
        body: {
          type: 'object',
          properties: { stepKey: { type: 'string' }, reason: { type: 'string' } },
          required: ['stepKey', 'reason'],
        },
      },
    },
    async (request) => {
      const { stepKey, reason } = request.body;
      if (typeof reason !== 'string' || reason.trim().length < 5)
        throw invalidField('/reason', 'an override needs a reason');
      const run = await riposte.runs.get(request.params.id);
      const step = run.steps.find((s) => s.key === stepKey);
      if (!step) throw invalidField('/stepKey', `run ${run.id} has no step "${String(stepKey)}"`);
      if (step.error?.kind !== 'policy')
        throw new RiposteError('invalid_state', `step ${step.key} was not refused by a guardrail`);
      const by = deciderOf(request).name;
      await riposte.gate.override(run.id, step.key, reason, by);
      await riposte.audit.write(riposte.database.db, [
        {
          actor: actorOf(request),
          action: 'response.override',
          targetType: 'run',
          targetId: run.id,
          details: { stepKey, reason, refusal: step.error.message },
        },
      ]);
      return riposte.runs.retry(run.id, actorOf(request), by);
    },
  );
}
