import { Type } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import type { HttpClient } from '../sdk/http-client.ts';
import { pause } from '../sdk/pause.ts';
import { VERDICTS, defineAction, type IntegrationContext } from '../sdk/integration.ts';
import {
  GUI,
  UUID_PATTERN,
  invalidResponse,
  nullable,
  record,
  str,
  strings,
  urlscanRequest,
  vendorMessage,
} from './urlscan-api.ts';
import { urlscanVerdict } from './urlscan-verdict.ts';

/**
 * A scan's result (`GET /result/{uuid}/`), reduced to its verdict and the page it landed on. urlscan
 * answers 404 for two states and only its message tells them apart: "Scan is not finished yet"
 * (poll again) and "No such scan submission"; 410 means the scan was deleted.
 */

export const ResultSchema = Type.Object({
  found: Type.Boolean({ description: 'False when urlscan has no (or no longer a) result: verdict unknown.' }),
  status: Type.Union([Type.Literal('done'), Type.Literal('not_found'), Type.Literal('deleted')]),
  uuid: Type.String(),
  verdict: Type.Union(VERDICTS.map((v) => Type.Literal(v))),
  score: nullable(Type.Integer({ minimum: 0, maximum: 100 })),
  urlscanScore: nullable(Type.Number({ description: 'verdicts.overall.score, -100 (legitimate) to 100.' })),
  malicious: Type.Boolean(),
  categories: Type.Array(Type.String()),
  brands: Type.Array(Type.String()),
  tags: Type.Array(Type.String()),
  page: nullable(
    Type.Object({
      url: nullable(Type.String()),
      domain: nullable(Type.String()),
      ip: nullable(Type.String()),
      country: nullable(Type.String()),
      title: nullable(Type.String()),
      asn: nullable(Type.String()),
      asnName: nullable(Type.String()),
      server: nullable(Type.String()),
    }),
  ),
  scannedAt: nullable(Type.String()),
  reportUrl: Type.String(),
  screenshotUrl: nullable(Type.String()),
});

export type ResultSummary = typeof ResultSchema.static;

export function summarize(uuid: string, body: unknown): ResultSummary {
  const b = record(body);
  const task = record(b['task']);
  if (!('task' in b) || !('page' in b)) throw invalidResponse(`the result of ${uuid}`, body);
  const page = record(b['page']);
  const overall = record(record(b['verdicts'])['overall']);
  return {
    found: true,
    status: 'done',
    uuid: str(task['uuid']) ?? uuid,
    ...urlscanVerdict(overall),
    categories: strings(overall['categories']),
    brands: strings(overall['brands']),
    tags: strings(overall['tags']),
    page: {
      url: str(page['url']),
      domain: str(page['domain']),
      ip: str(page['ip']),
      country: str(page['country']),
      title: str(page['title']),
      asn: str(page['asn']),
      asnName: str(page['asnname']),
      server: str(page['server']),
    },
    scannedAt: str(task['time']),
    reportUrl: str(task['reportURL']) ?? `${GUI}/result/${uuid}/`,
    screenshotUrl: str(task['screenshotURL']),
  };
}

export function absent(uuid: string, status: 'not_found' | 'deleted'): ResultSummary {
  return {
    found: false,
    status,
    uuid,
    verdict: 'unknown',
    score: null,
    urlscanScore: null,
    malicious: false,
    categories: [],
    brands: [],
    tags: [],
    page: null,
    scannedAt: null,
    reportUrl: `${GUI}/result/${uuid}/`,
    screenshotUrl: null,
  };
}

/** One read: the summary, or 'pending' while urlscan is still scanning. */
export async function readResult(http: HttpClient, uuid: string): Promise<ResultSummary | 'pending'> {
  const path = `/result/${encodeURIComponent(uuid)}/`;
  const { status, body } = await urlscanRequest(http, { path }, [404, 410]);
  if (status === 410) return absent(uuid, 'deleted');
  if (status === 404) {
    const said = vendorMessage(body);
    if (/not finished/i.test(said)) return 'pending';
    if (/no such scan|not found/i.test(said)) return absent(uuid, 'not_found');
    throw invalidResponse(`404 for ${path}`, body);
  }
  return summarize(uuid, body);
}

async function waitForResult(
  context: IntegrationContext,
  uuid: string,
  maxWaitSeconds: number,
  pollSeconds: number,
): Promise<ResultSummary> {
  const deadline = Date.now() + maxWaitSeconds * 1000;
  for (;;) {
    const result = await readResult(context.http, uuid);
    if (result !== 'pending') return result;
    const left = deadline - Date.now();
    if (left <= 0) break;
    await pause(Math.min(pollSeconds * 1000, left), context.signal, 'urlscan.io');
  }
  // Reading again is harmless, so the engine may retry the step later (a durable wait, not a busy one).
  throw new ActionError(
    'scan_pending',
    `urlscan.io scan ${uuid} was not finished after ${maxWaitSeconds} s`,
    {
      retryable: true,
      retryAfterMs: 10_000,
    },
  );
}

export const result = defineAction({
  name: 'result',
  title: 'Get a scan result',
  description:
    'The verdict and page of a urlscan.io scan by uuid, polling while the scan is still running (up to max_wait_seconds).',
  effect: 'read',
  input: Type.Object({
    uuid: Type.String({ pattern: UUID_PATTERN }),
    max_wait_seconds: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 600,
        description: 'How long to wait for a running scan (default 90 s).',
      }),
    ),
    poll_interval_seconds: Type.Optional(
      Type.Number({ minimum: 0.1, maximum: 60, description: 'Pause between polls (default 5 s).' }),
    ),
  }),
  output: ResultSchema,
  timeoutMs: (600 + 60) * 1000,
  // A finished scan does not change; a pending one is an error and is not cached.
  cacheTtlSeconds: 60 * 60,
  run: (input, context) =>
    waitForResult(
      context,
      input.uuid.toLowerCase(),
      input.max_wait_seconds ?? 90,
      input.poll_interval_seconds ?? 5,
    ),
});
