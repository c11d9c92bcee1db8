import { ActionError } from '../../core/action.ts';
import type { HttpRequest } from '../sdk/http-client.ts';
import type { IntegrationContext } from '../sdk/integration.ts';

/**
 * CAPE's REST API v2 (`/apiv2/…`, Django REST framework). Most refusals come back as HTTP 200 with
 * `{"error": true, "error_value": "…"}`; with multitenancy on, a missing task is a 404 of the same
 * shape. Authentication (DRF token, `Authorization: Token …`) and throttling (429 with
 * `Retry-After`) are DRF's own and handled by the HTTP client.
 */

/** Task states of `lib/cuckoo/core/data/task.py` that still lead to a report. */
export const IN_PROGRESS = ['pending', 'running', 'completed', 'distributed', 'recovered'] as const;
/** States that never will. */
export const FAILED = ['failed_analysis', 'failed_processing', 'failed_reporting', 'banned'] as const;

export const isFailed = (status: string) => (FAILED as readonly string[]).includes(status);
export const inProgress = (status: string) =>
  (IN_PROGRESS as readonly string[]).includes(status) || status === 'distributed_completed';

/** Every CAPE is self-hosted: there is no default URL, and nothing is sent without one. */
function requireBase(context: IntegrationContext): void {
  if (!context.fields['base_url'])
    throw new ActionError(
      'not_configured',
      'the CAPE instance has no base_url (the web root, e.g. https://cape.example.org)',
      { retryable: false },
    );
}

/** The message of CAPE's error envelope; null when the body is not one. */
export function capeError(body: unknown): string | null {
  if (!body || typeof body !== 'object') return null;
  const b = body as { error?: unknown; error_value?: unknown; failed?: unknown };
  if (b.error !== true) return null;
  const text =
    typeof b.error_value === 'string' ? b.error_value : typeof b.failed === 'string' ? b.failed : '';
  return text || 'no reason given';
}

/** CAPE's refusal as an error that says what a retry can do about it. */
export function refusal(what: string, text: string): ActionError {
  const message = `CAPE refused ${what}: ${text}`;
  if (/is disabled/i.test(text))
    return new ActionError('disabled', `${message} (enable it in CAPE's conf/api.conf)`, {
      retryable: false,
    });
  if (/does not exist|not found/i.test(text))
    return new ActionError('not_found', message, { retryable: false });
  if (/still being analy[sz]ed/i.test(text))
    return new ActionError('analysis_pending', message, { retryable: true });
  if (/task failed/i.test(text)) return new ActionError('analysis_failed', message, { retryable: false });
  return new ActionError('rejected', message, { retryable: false });
}

/** A CAPE API call: the JSON body, or the envelope's refusal thrown as an ActionError. */
export async function capeCall<T>(
  context: IntegrationContext,
  what: string,
  request: HttpRequest,
): Promise<T> {
  requireBase(context);
  const response = await context.http.request({ ...request, accept: [...(request.accept ?? []), 404] });
  const body = response.json<unknown>();
  const error = capeError(body);
  if (error !== null) throw refusal(what, error);
  if (response.status === 404) throw refusal(what, 'not found');
  return body as T;
}

export function invalid(what: string, body: unknown): ActionError {
  return new ActionError(
    'invalid_response',
    `CAPE answered ${what} unexpectedly: ${JSON.stringify(body)?.slice(0, 200) ?? 'nothing'}`,
    { retryable: false },
  );
}

/** The task ids a create call answers with (`{"data": {"task_ids": [42]}}`). */
export function taskIdsOf(body: unknown, what: string): number[] {
  const ids = (body as { data?: { task_ids?: unknown } } | null)?.data?.task_ids;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => Number.isInteger(id)))
    throw invalid(what, body);
  return ids as number[];
}

/** The analysis page of a task in CAPE's web interface. */
export function analysisLink(context: IntegrationContext, taskId: number): string {
  return `${(context.fields['base_url'] ?? '').replace(/\/+$/, '')}/analysis/${taskId}/`;
}

/** Submission options both create endpoints take, as CAPE's form fields. */
export interface SubmitOptions {
  package?: string | undefined;
  timeout_seconds?: number | undefined;
  platform?: string | undefined;
  options?: string | undefined;
  priority?: number | undefined;
}

export function submitFields(input: SubmitOptions, context: IntegrationContext): Record<string, string> {
  const fields: Record<string, string> = {
    // Ties the task in CAPE back to the run and step that asked for it.
    custom: `riposte:${context.idempotencyKey}`,
  };
  if (input.package) fields['package'] = input.package;
  if (input.timeout_seconds !== undefined) fields['timeout'] = String(input.timeout_seconds);
  if (input.platform) fields['platform'] = input.platform;
  if (input.options) fields['options'] = input.options;
  if (input.priority !== undefined) fields['priority'] = String(input.priority);
  return fields;
}
