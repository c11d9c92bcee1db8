import { ActionError } from '../../core/action.ts';
import type { HttpRequest, HttpResponse } from '../sdk/http-client.ts';
import type { IntegrationContext } from '../sdk/integration.ts';

/** ServiceNow's error body: `{"error":{"message":"…","detail":"…"},"status":"failure"}`. */
export function serviceNowErrorText(body: unknown): { message: string; detail: string } {
  const error = ((body ?? {}) as { error?: { message?: unknown; detail?: unknown } }).error ?? {};
  return {
    message: typeof error.message === 'string' ? error.message : '',
    detail: typeof error.detail === 'string' ? error.detail : '',
  };
}

function readError(response: HttpResponse): { message: string; detail: string } {
  try {
    return serviceNowErrorText(response.json());
  } catch {
    return { message: response.text().slice(0, 200), detail: '' };
  }
}

/**
 * The instance URL (`https://<instance>.service-now.com`) is required. 400 and 404 carry ServiceNow's
 * reason; 403 is read too, because ServiceNow answers both "User Not Authorized" (an ACL: the account's
 * fault) and "Operation Failed" (a data policy or business rule refusing the record) with 403.
 */
export async function serviceNowRequest(
  context: IntegrationContext,
  request: HttpRequest,
): Promise<HttpResponse> {
  if (!context.fields['base_url'])
    throw new ActionError(
      'not_configured',
      'the ServiceNow instance has no base_url (https://<instance>.service-now.com)',
      { retryable: false },
    );
  const response = await context.http.request({ ...request, accept: [400, 403, 404] });
  if (response.status < 400) return response;
  const { message, detail } = readError(response);
  const what = `ServiceNow ${request.method ?? 'GET'} ${request.path}`;
  const reason = [message, detail].filter(Boolean).join(': ') || 'no reason given';
  if (response.status === 404)
    throw new ActionError('not_found', `${what} found nothing (404): ${reason}`, { retryable: false });
  if (response.status === 403 && !/operation failed/i.test(message))
    throw new ActionError('unauthorized', `${what} is not allowed for this account (403): ${reason}`, {
      retryable: false,
    });
  throw new ActionError('rejected', `${what} was refused (${response.status}): ${reason}`, {
    retryable: false,
  });
}

export function recordUrl(context: IntegrationContext, table: string, sysId: string): string {
  const base = (context.fields['base_url'] ?? '').replace(/\/+$/, '');
  return `${base}/nav_to.do?uri=${encodeURIComponent(`${table}.do?sys_id=${sysId}`)}`;
}

export function invalidAnswer(what: string): ActionError {
  return new ActionError('invalid_response', `ServiceNow answered ${what}`, { retryable: false });
}
