import { Type } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { pause } from '../sdk/pause.ts';
import { dataOf, isoDate, str, type VtObject } from './virustotal-api.ts';

/**
 * Waiting for a submitted analysis: `GET /analyses/{id}` answers `queued`, then `in-progress`,
 * then `completed` with the engine counts. Polls are spaced by the step's interval, bounded by
 * its maximum wait, and stop the moment the step is cancelled.
 */

export const PollInputs = {
  poll_interval_seconds: Type.Optional(
    Type.Number({
      minimum: 0.1,
      maximum: 120,
      description: 'Pause between polls of the analysis (default 20 s; the quota paces real calls too).',
    }),
  ),
  max_wait_seconds: Type.Optional(
    Type.Number({
      minimum: 1,
      maximum: 900,
      description: 'Give up waiting for the analysis after this long (default 300 s).',
    }),
  ),
};

export const DEFAULT_POLL_SECONDS = 20;
export const DEFAULT_MAX_WAIT_SECONDS = 300;
/** The step's own timeout must outlast the longest wait the inputs allow, plus the submission. */
export const SUBMIT_TIMEOUT_MS = (900 + 120) * 1000;

export interface CompletedAnalysis {
  analysis: VtObject;
  meta: Record<string, unknown>;
  polls: number;
}

export async function waitForAnalysis(
  context: IntegrationContext,
  id: string,
  options: { pollSeconds?: number | undefined; maxWaitSeconds?: number | undefined },
): Promise<CompletedAnalysis> {
  const intervalMs = (options.pollSeconds ?? DEFAULT_POLL_SECONDS) * 1000;
  const deadline = Date.now() + (options.maxWaitSeconds ?? DEFAULT_MAX_WAIT_SECONDS) * 1000;
  let status = 'queued';
  for (let polls = 1; ; polls++) {
    await pause(Math.min(intervalMs, deadline - Date.now()), context.signal, 'VirusTotal');
    const { body } = await context.http.getJson<unknown>(`/analyses/${encodeURIComponent(id)}`);
    const analysis = dataOf(body, `the analysis ${id}`);
    status = str(analysis.attributes['status']) ?? 'unknown';
    if (status === 'completed') {
      const meta = (body as { meta?: unknown }).meta;
      return {
        analysis,
        meta: meta && typeof meta === 'object' ? (meta as Record<string, unknown>) : {},
        polls,
      };
    }
    if (Date.now() >= deadline) break;
  }
  // Not retryable: a retry would submit again and spend quota on the same object.
  throw new ActionError(
    'analysis_timeout',
    `VirusTotal analysis ${id} was still ${status} after ${options.maxWaitSeconds ?? DEFAULT_MAX_WAIT_SECONDS} s`,
    { retryable: false },
  );
}

/** The analysis descriptor `POST /urls` and `POST /files` answer with. */
export function analysisIdOf(body: unknown): string {
  const data = (body as { data?: { type?: unknown; id?: unknown } } | null)?.data;
  if (data?.type !== 'analysis' || typeof data.id !== 'string' || data.id === '')
    throw new ActionError(
      'invalid_response',
      `VirusTotal accepted the submission but answered without an analysis id: ${JSON.stringify(body)?.slice(0, 200)}`,
      { retryable: false },
    );
  return data.id;
}

export const analysisDate = (analysis: VtObject) => isoDate(analysis.attributes['date']);

/** The object the analysis is about (`links.item`), e.g. `…/urls/<sha256>` → `<sha256>`. */
export function itemIdOf(analysis: VtObject): string | null {
  const item = str((analysis as unknown as { links?: Record<string, unknown> }).links?.['item']);
  return item ? (item.split('/').pop() ?? null) : null;
}
