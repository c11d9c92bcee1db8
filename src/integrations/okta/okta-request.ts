import { ActionError } from '../../core/action.ts';
import type { HttpRequest, HttpResponse } from '../sdk/http-client.ts';
import type { IntegrationContext } from '../sdk/integration.ts';

/** Okta's error body: every error carries these (developer.okta.com/docs/reference/error-codes). */
interface OktaError {
  errorCode?: unknown;
  errorSummary?: unknown;
  errorCauses?: { errorSummary?: unknown }[];
}

/** `E0000007: Not found: Resource not found: … (User)`, with the causes when Okta gives any. */
export function oktaReason(response: HttpResponse): string {
  let body: OktaError = {};
  try {
    body = (JSON.parse(response.text()) as OktaError | null) ?? {};
  } catch {
    return `status ${response.status}`;
  }
  const causes = (Array.isArray(body.errorCauses) ? body.errorCauses : [])
    .map((c) => c?.errorSummary)
    .filter((s): s is string => typeof s === 'string');
  const summary = typeof body.errorSummary === 'string' ? body.errorSummary : `status ${response.status}`;
  const code = typeof body.errorCode === 'string' ? `${body.errorCode}: ` : '';
  return `${code}${summary}${causes.length > 0 ? ` (${causes.join('; ')})` : ''}`;
}

/**
 * Okta's 429 carries no Retry-After: `X-Rate-Limit-Reset` is the epoch second the window reopens.
 */
function rateLimited(response: HttpResponse): ActionError {
  const reset = Number(response.headers.get('x-rate-limit-reset'));
  const retryAfterMs =
    Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - Date.now()) : undefined;
  return new ActionError('rate_limited', `Okta answered 429: ${oktaReason(response)}`, {
    retryable: true,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/** The org URL is the tenant's own (`https://acme.okta.com`): there is no default to fall back on. */
export async function oktaRequest(context: IntegrationContext, request: HttpRequest): Promise<HttpResponse> {
  if (!context.fields['base_url'])
    throw new ActionError('not_configured', 'the Okta instance has no base_url (https://your-org.okta.com)', {
      retryable: false,
    });
  const response = await context.http.request({ ...request, accept: [400, 404, 429] });
  if (response.status === 429) throw rateLimited(response);
  if (response.status === 404)
    throw new ActionError('not_found', `Okta: ${oktaReason(response)}`, { retryable: false });
  // E0000001 among others: the user's status does not allow the transition; a retry cannot fix it.
  if (response.status === 400)
    throw new ActionError('bad_request', `Okta refused ${request.path}: ${oktaReason(response)}`, {
      retryable: false,
    });
  return response;
}
