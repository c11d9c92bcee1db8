import { ActionError } from '../../core/action.ts';
import type { HttpRequest, HttpResponse } from '../sdk/http-client.ts';
import type { IntegrationContext } from '../sdk/integration.ts';

/** Jira's error body: general messages plus per-field ones (`{"errorMessages":[],"errors":{"summary":"…"}}`). */
export function jiraErrorText(body: unknown): string {
  const b = (body ?? {}) as { errorMessages?: unknown; errors?: unknown };
  const general = Array.isArray(b.errorMessages) ? b.errorMessages.filter((m) => typeof m === 'string') : [];
  const fields =
    b.errors && typeof b.errors === 'object'
      ? Object.entries(b.errors as Record<string, unknown>).map(([field, m]) => `${field}: ${String(m)}`)
      : [];
  return [...general, ...fields].join('; ');
}

/**
 * Every Jira site has its own URL (`https://<site>.atlassian.net`), so there is no default: an instance
 * without `base_url` is refused before anything is sent. 400 and 404 are read for Jira's own reasons;
 * 401/403/429/5xx are the HTTP client's (unauthorized, rate_limited with Retry-After, server_error).
 */
export async function jiraRequest(context: IntegrationContext, request: HttpRequest): Promise<HttpResponse> {
  if (!context.fields['base_url'])
    throw new ActionError(
      'not_configured',
      'the Jira instance has no base_url (https://<site>.atlassian.net)',
      {
        retryable: false,
      },
    );
  const response = await context.http.request({ ...request, accept: [400, 404] });
  if (response.status === 400 || response.status === 404) {
    let reason = '';
    try {
      reason = jiraErrorText(response.json());
    } catch {
      reason = response.text().slice(0, 200);
    }
    const what = `Jira ${request.method ?? 'GET'} ${request.path.split('?')[0]}`;
    throw response.status === 404
      ? new ActionError('not_found', `${what} found nothing (404): ${reason || 'no reason given'}`, {
          retryable: false,
        })
      : new ActionError('rejected', `${what} was refused (400): ${reason || 'no reason given'}`, {
          retryable: false,
        });
  }
  return response;
}

export function browseUrl(context: IntegrationContext, key: string): string {
  return `${(context.fields['base_url'] ?? '').replace(/\/+$/, '')}/browse/${encodeURIComponent(key)}`;
}

export function invalidAnswer(what: string): ActionError {
  return new ActionError('invalid_response', `Jira answered ${what}`, { retryable: false });
}
