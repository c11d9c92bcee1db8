import { Type } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import { hashObservable, observable } from '../../core/observable.ts';
import { defineAction, defineIntegration } from '../sdk/integration.ts';
import { analysisLink, capeCall, invalid, isFailed } from './cape-api.ts';
import { DEFAULT_MALICIOUS_MALSCORE, ReportSummary, reportFinding, summarizeReport } from './cape-report.ts';
import { detonateHash, submitFile, submitUrl } from './cape-submissions.ts';

/**
 * Waiting is the engine's: while the task runs, `get_report` fails `analysis_pending` (retryable) and
 * the step's retry policy spaces the next look on a durable timer. The default waits up to 19
 * minutes, one status request a minute; a step may set its own `retry`.
 */
const POLL = { attempts: 20, backoffMs: 60_000, factor: 1, maxDelayMs: 60_000, jitter: false };

const getReport = defineAction({
  name: 'get_report',
  title: 'Get an analysis report',
  description:
    "A finished analysis's verdict: malscore, families, signatures and the addresses, domains and URLs the sample contacted. While the task is still pending or running the step fails analysis_pending and is retried (one look a minute, up to 19 minutes, unless the step sets retry).",
  effect: 'read',
  input: Type.Object(
    {
      task_id: Type.Integer({ minimum: 1 }),
      sha256: Type.Optional(
        Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'records the verdict as a finding on it' }),
      ),
      url: Type.Optional(Type.String({ description: 'records the verdict as a finding on it' })),
      malicious_malscore: Type.Optional(
        Type.Number({
          minimum: 0,
          maximum: 10,
          description: `malscore from which the verdict is malicious (default ${DEFAULT_MALICIOUS_MALSCORE})`,
        }),
      ),
      report_format: Type.Optional(
        Type.Union([Type.Literal('json'), Type.Literal('litereport')], {
          description: 'litereport (lite.json) when full reports outgrow 8 MiB; default json',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({
    taskId: Type.Integer(),
    status: Type.Literal('reported'),
    link: Type.String(),
    ...ReportSummary.properties,
  }),
  timeoutMs: 90_000,
  retry: POLL,
  enrichment: {
    observable: (input) =>
      input.sha256 ? hashObservable(input.sha256) : input.url ? observable('url', input.url) : null,
    finding: (output) => reportFinding(output),
  },
  async run(input, context) {
    const id = input.task_id;
    const status = await capeCall<{ data?: unknown }>(context, `the status of task ${id}`, {
      path: `/apiv2/tasks/status/${id}/`,
    });
    const state = status?.data;
    if (typeof state !== 'string') throw invalid('the task status', status);
    if (isFailed(state))
      throw new ActionError('analysis_failed', `CAPE task ${id} ended ${state}: no report will come`, {
        retryable: false,
      });
    if (state !== 'reported')
      throw new ActionError('analysis_pending', `CAPE task ${id} is ${state}`, { retryable: true });
    const format = input.report_format ?? 'json';
    const report = await capeCall(context, `the report of task ${id}`, {
      path: format === 'json' ? `/apiv2/tasks/get/report/${id}/` : `/apiv2/tasks/get/report/${id}/${format}/`,
    });
    return {
      taskId: id,
      status: 'reported' as const,
      link: analysisLink(context, id),
      ...summarizeReport(report, input.malicious_malscore),
    };
  },
});

/**
 * CAPE sandbox (https://github.com/kevoreilly/CAPEv2), REST API v2: detonate files and URLs, follow
 * the analysis, read the verdict. Self-hosted: the instance's base_url is the web root.
 */
export const cape = defineIntegration({
  id: 'cape',
  name: 'CAPE Sandbox',
  version: '1.0.0',
  categories: ['sandbox', 'threat_intelligence'],
  docs: 'https://capev2.readthedocs.io/en/latest/usage/api.html',
  baseUrl: '',
  credentials: [
    {
      name: 'api_token',
      label: 'API token',
      secret: true,
      required: false,
      description:
        'Only when CAPE has token_auth_enabled in api.conf: the key from manage.py drf_create_token or POST /apiv2/api-token-auth/.',
    },
  ],
  auth: { kind: 'header', header: 'Authorization', field: 'api_token', prefix: 'Token ' },
  // api.conf's default throttle with token auth on: 5 requests a minute per user.
  rateLimit: { requests: 5, perSeconds: 60 },
  requestTimeoutMs: 60_000,
  async testConnection(context) {
    const body = await capeCall<{ data?: unknown }>(context, 'the task list', {
      path: '/apiv2/tasks/list/1/',
    });
    if (!Array.isArray(body?.data)) throw invalid('the task list', body);
  },
  actions: [detonateHash, submitFile, submitUrl, getReport],
});
