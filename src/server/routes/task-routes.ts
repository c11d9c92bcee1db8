import type { FastifyInstance } from 'fastify';
import { RiposteError } from '../../core/riposte-error.ts';
import { isRole } from '../../core/role.ts';
import type { Riposte } from '../../riposte.ts';
import type { Decider } from '../../runs/task-service.ts';
import { ANALYST, ANY_ROLE, MANAGER } from '../route-auth.ts';
import { describeTasks } from '../../runs/task-details.ts';
import { decodeCursor, parseLimit, toPage } from '../../store/cursor.ts';
import { approvalPage } from '../approval-page.ts';
import { idParams } from './route-schemas.ts';
import { deciderOf } from './run-routes.ts';

const listQuery = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['open', 'completed', 'expired', 'cancelled'] },
    runId: { type: 'string' },
    caseId: { type: 'string', maxLength: 200, description: "the case's runs (started on it or its alerts)" },
    mine: { type: 'string', enum: ['true', 'false'], description: 'only what you may act on (default true)' },
    cursor: { type: 'string', maxLength: 200 },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
  },
} as const;

const linkQuery = {
  type: 'object',
  properties: { u: { type: 'string' }, e: { type: 'string' }, s: { type: 'string' } },
  required: ['u', 'e', 's'],
} as const;

type ListQuery = {
  status?: string;
  runId?: string;
  caseId?: string;
  mine?: string;
  cursor?: string;
  limit?: string;
};
type LinkQuery = { u: string; e: string; s: string };

export function taskRoutes(app: FastifyInstance, riposte: Riposte): void {
  // The approval page's form posts url-encoded fields.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );
  for (const kind of ['task', 'approval'] as const) {
    const plural = `${kind}s`;
    app.get<{ Querystring: ListQuery }>(
      `/api/v1/${plural}`,
      {
        config: { auth: ANY_ROLE },
        schema: {
          summary: `List ${plural} (by default, open ones you may act on), newest first`,
          description:
            'Each item names its playbook, run and case, the response action and target it guards (when the response gate asked), what requires it (a policy or the playbook step) and, for approvals, the quorum so far.',
          tags: ['tasks'],
          querystring: listQuery,
        },
      },
      async (request) => {
        const limit = parseLimit(request.query.limit, 100, 200);
        const before = decodeCursor(request.query.cursor);
        const rows = await riposte.tasks.list({
          kind,
          status: request.query.status ?? (request.query.runId || request.query.caseId ? undefined : 'open'),
          ...(request.query.runId ? { runId: request.query.runId } : {}),
          ...(request.query.caseId ? { caseId: request.query.caseId } : {}),
          ...(request.query.mine === 'false' ? {} : { mine: deciderOf(request) }),
          ...(before ? { before } : {}),
          limit: limit + 1,
        });
        const page = toPage(rows, limit);
        return { ...page, items: await describeTasks(riposte.database.db, page.items) };
      },
    );
    app.get<{ Params: { id: string } }>(
      `/api/v1/${plural}/:id`,
      { config: { auth: ANY_ROLE }, schema: { summary: `One ${kind}`, tags: ['tasks'], params: idParams } },
      async (request) => {
        const task = await riposte.tasks.get(request.params.id);
        if (task.kind !== kind)
          throw new RiposteError('not_found', `no ${kind} with id "${request.params.id}"`);
        const [view] = await describeTasks(riposte.database.db, [task]);
        return view;
      },
    );
  }

  app.post<{ Params: { id: string }; Body: unknown }>(
    '/api/v1/tasks/:id/answer',
    {
      config: { auth: ANALYST },
      schema: {
        summary: 'Answer a manual task: { "choice": "…" } or { "values": { … } }, with an optional reason',
        tags: ['tasks'],
        params: idParams,
        body: { type: 'object' },
      },
    },
    async (request) => riposte.tasks.answer(request.params.id, request.body, deciderOf(request)),
  );

  app.post<{ Params: { id: string }; Body: unknown }>(
    '/api/v1/approvals/:id/decision',
    {
      config: { auth: ANALYST },
      schema: {
        summary:
          'Approve or deny: { "decision": "approve" | "deny", "reason": "…" } (a denial needs a reason)',
        tags: ['tasks'],
        params: idParams,
        body: { type: 'object' },
      },
    },
    async (request) => riposte.tasks.decideApproval(request.params.id, request.body, deciderOf(request)),
  );

  app.post<{ Params: { id: string }; Body: { username?: string } }>(
    '/api/v1/approvals/:id/links',
    {
      config: { auth: MANAGER },
      schema: {
        summary: 'Make a signed, expiring approval link for a named approver',
        tags: ['tasks'],
        params: idParams,
        body: { type: 'object', properties: { username: { type: 'string' } }, required: ['username'] },
      },
    },
    async (request, reply) => {
      const task = await riposte.tasks.get(request.params.id);
      if (task.kind !== 'approval')
        throw new RiposteError('not_found', `no approval with id "${request.params.id}"`);
      await linkDecider(riposte, request.body.username!);
      return reply
        .code(201)
        .send(riposte.links.create(task.id, request.body.username!, riposte.config.approvalLinkTtlSeconds));
    },
  );

  // The signed link itself: GET shows the request, POST (the page's form) decides. No session needed.
  app.get<{ Params: { id: string }; Querystring: LinkQuery }>(
    '/approvals/:id',
    { config: { auth: 'public' }, schema: { hide: true, params: idParams, querystring: linkQuery } },
    async (request, reply) => {
      const claims = riposte.links.verify(request.params.id, request.query);
      const task = await riposte.tasks.get(claims.taskId);
      return reply
        .type('text/html; charset=utf-8')
        .send(approvalPage(task, claims.username, request.query, null));
    },
  );

  app.post<{ Params: { id: string }; Querystring: LinkQuery; Body: Record<string, unknown> }>(
    '/approvals/:id',
    { config: { auth: 'public' }, schema: { hide: true, params: idParams, querystring: linkQuery } },
    async (request, reply) => {
      const claims = riposte.links.verify(request.params.id, request.query);
      const decider = await linkDecider(riposte, claims.username);
      const task = await riposte.tasks.decideApproval(claims.taskId, request.body, decider);
      return reply
        .type('text/html; charset=utf-8')
        .send(approvalPage(task, claims.username, request.query, 'Recorded.'));
    },
  );
}

/** The approver a link names must still be an active user; their role applies as if they had signed in. */
async function linkDecider(riposte: Riposte, username: string): Promise<Decider> {
  const user = await riposte.users.findActive(username);
  if (!user || !isRole(user.role)) throw new RiposteError('forbidden', `no active user named "${username}"`);
  return { name: user.username, role: user.role, actor: { id: user.username, type: 'user' } };
}
