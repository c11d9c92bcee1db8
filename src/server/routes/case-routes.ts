import type { FastifyInstance } from 'fastify';
import type { CaseFilter, CasePatch, MergeRequest } from '../../cases/case-service.ts';
import { CASE_SORTS } from '../../cases/case-list.ts';
import { CASE_STATUSES, RESOLUTIONS } from '../../core/case.ts';
import { OBSERVABLE_TYPES, SEVERITIES } from '../../core/alert.ts';
import { OBSERVABLE_CURSOR_MAX } from '../../cases/case-observables.ts';
import { PER_VALUE, PROBED, RELATED_LIMIT_MAX } from '../../cases/related-cases.ts';
import { REPORT_CSP, REPORT_FORMATS } from '../../reports/case-report.ts';
import type { Riposte } from '../../riposte.ts';
import { actorOf } from '../auth-hooks.ts';
import { ANALYST, ANY_ROLE } from '../route-auth.ts';
import { idParams, pageQuery } from './route-schemas.ts';

export function caseRoutes(app: FastifyInstance, riposte: Riposte): void {
  app.get<{ Querystring: Omit<CaseFilter, 'me' | 'limit'> & { limit?: string } }>(
    '/api/v1/cases',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary:
          'List cases (newest first, oldest first or by priority) with filters, full-text search and SLA',
        description:
          'Each case carries its SLA: `sla.state` is ok, at_risk (75 % of a target used), breached or met, from the acknowledge and resolve targets of its severity (docs/configuration.md). `assignee` is a username, `me` or `unassigned`.',
        tags: ['cases'],
        querystring: pageQuery({
          status: { type: 'string', enum: [...CASE_STATUSES] },
          severity: { type: 'string', enum: [...SEVERITIES] },
          assignee: { type: 'string', maxLength: 128, description: 'a username, `me` or `unassigned`' },
          tag: { type: 'string' },
          sort: { type: 'string', enum: [...CASE_SORTS], description: 'default newest' },
          q: {
            type: 'string',
            maxLength: 500,
            description: 'words that must all appear in the title, description, tags or observables',
          },
        }),
      },
    },
    async (request) => riposte.cases.list({ ...request.query, me: request.principal?.name }),
  );

  app.get<{ Params: { id: string }; Querystring: { cursor?: string; limit?: string } }>(
    '/api/v1/cases/:id/timeline',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary:
          "A case's timeline from the audit log, newest first: the case, its alerts, runs, tasks, approvals and response actions",
        tags: ['cases'],
        params: idParams,
        querystring: pageQuery({}),
      },
    },
    async (request) => riposte.cases.timeline(request.params.id, request.query),
  );

  app.get<{ Params: { id: string }; Querystring: { type?: string; cursor?: string; limit?: string } }>(
    '/api/v1/cases/:id/observables',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: "A case's observables a page at a time, by type then value, with their enrichment verdicts",
        description:
          'The case detail carries the first 200 and `observablesNextCursor`, which goes on from there; `observableCount` is the total.',
        tags: ['cases'],
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            type: { type: 'string', enum: [...OBSERVABLE_TYPES] },
            cursor: {
              type: 'string',
              maxLength: OBSERVABLE_CURSOR_MAX,
              description: 'nextCursor from the previous page',
            },
            limit: { type: 'string', pattern: '^[0-9]{1,3}$', description: '1–500, default 100' },
          },
        },
      },
    },
    async (request) => {
      const page = await riposte.cases.observables(request.params.id, request.query);
      return { ...page, enrichment: await riposte.enrichment.summaries(page.items) };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { limit?: string } }>(
    '/api/v1/cases/:id/related',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: 'Other cases that saw the same observables, most alike first, with how they were resolved',
        description: `The case's observables are looked up most telling type first (hashes, URLs, domains, people, hosts, then addresses), at most ${PROBED}, each against the newest ${PER_VALUE} cases holding it. \`score\` sums, over the values a case shares, 1 / log2(2 + the number of cases holding the value), so a value many cases hold counts for little. \`suggestion\` is the resolution at least two thirds of the related closed cases (at least two, duplicates left out) were given; null otherwise.`,
        tags: ['cases'],
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            limit: {
              type: 'string',
              pattern: '^[0-9]{1,3}$',
              description: `1–${RELATED_LIMIT_MAX}, default 10`,
            },
          },
        },
      },
    },
    async (request) => riposte.cases.related(request.params.id, request.query),
  );

  app.get<{ Params: { id: string }; Querystring: { format?: string } }>(
    '/api/v1/cases/:id/report',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: "The case's incident report: Markdown (default), a self-contained HTML page, or PDF",
        description:
          'Summary, alerts, observables with their verdicts, response actions, playbook runs, comments and the timeline (bounded: a noisy case says what it left out). The export is audited (`case.report`). PDF needs Chromium on the server (RIPOSTE_CHROMIUM_PATH, or chromium on the PATH): without it, 501 `not_available`.',
        tags: ['cases'],
        params: idParams,
        querystring: {
          type: 'object',
          properties: { format: { type: 'string', enum: [...REPORT_FORMATS] } },
        },
      },
    },
    async (request, reply) => {
      const report = await riposte.reports.render(request.params.id, request.query.format, actorOf(request));
      return reply
        .header('content-type', report.contentType)
        .header('content-disposition', `attachment; filename="${report.filename}"`)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', REPORT_CSP)
        .send(report.body);
    },
  );

  app.get(
    '/api/v1/people',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary:
          'Active users by username and role: whom a case can be assigned to or a comment can @mention',
        tags: ['cases'],
      },
    },
    async () => ({
      items: (await riposte.users.list())
        .filter((u) => !u.disabled)
        .map((u) => ({ username: u.username, role: u.role })),
    }),
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

  app.post<{ Params: { id: string }; Body: MergeRequest }>(
    '/api/v1/cases/:id/merge',
    {
      config: { auth: ANALYST },
      schema: {
        summary: 'Merge this case into another open case (this one is closed as a duplicate)',
        description:
          'The case named by `into` takes every alert, observable, comment, run, task and response action of this one, its tags, and its severity, asset and threat-intelligence matches where they weigh more; its search document and priority are recomputed. This case is closed with the resolution `duplicate` (the note, or "Merged into <id>"), counted in its rules\' history, and keeps `mergedInto`; the target lists it under `mergedCases`. Both must be open. The answer: both cases as they are now and what moved, by kind.',
        tags: ['cases'],
        params: idParams,
        body: {
          type: 'object',
          properties: {
            into: { type: 'string', description: 'the id of the open case that takes this one' },
            note: {
              type: 'string',
              description: 'this case\'s resolution note; default "Merged into <into>"',
            },
          },
        },
      },
    },
    async (request) => riposte.cases.merge(request.params.id, request.body, actorOf(request)),
  );

  app.get<{ Params: { id: string }; Querystring: { cursor?: string; limit?: string } }>(
    '/api/v1/cases/:id/comments',
    {
      config: { auth: ANY_ROLE },
      schema: {
        summary: "A case's comments a page at a time, newest first",
        description:
          'The case detail carries the newest 100 (oldest first) and `olderCommentsCursor`, which goes on from there; `commentCount` is the total.',
        tags: ['cases'],
        params: idParams,
        querystring: pageQuery({}),
      },
    },
    async (request) => riposte.cases.comments(request.params.id, request.query),
  );

  app.post<{ Params: { id: string }; Body: { body?: unknown } }>(
    '/api/v1/cases/:id/comments',
    {
      config: { auth: ANALYST },
      schema: {
        summary:
          'Comment on a case; @username mentions of existing users are stored with it and notified (the notification webhook)',
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
