import { ActionError } from '../../core/action.ts';
import type { HttpRequest, HttpResponse } from '../sdk/http-client.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { entraRequest } from '../sdk/entra-session.ts';

/** App-only Graph permissions are granted on this resource. */
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** `Request_ResourceNotFound: Resource '…' does not exist…` from Graph's `{error: {code, message}}`. */
export function graphReason(response: HttpResponse): string {
  try {
    const error = (JSON.parse(response.text()) as { error?: { code?: unknown; message?: unknown } }).error;
    const code = typeof error?.code === 'string' ? error.code : `status ${response.status}`;
    return typeof error?.message === 'string' ? `${code}: ${error.message}` : code;
  } catch {
    return `status ${response.status}`;
  }
}

/** Graph's `error.code` (`ErrorItemNotFound`, `ErrorFolderExists` …), when the body has one. */
export function graphCode(response: HttpResponse): string | undefined {
  try {
    const code = (JSON.parse(response.text()) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** A Graph request: 401 (after one fresh token), 403 and 404 reported with Graph's own reason. */
export async function graphRequest(context: IntegrationContext, request: HttpRequest): Promise<HttpResponse> {
  const response = await entraRequest(context, GRAPH_SCOPE, {
    ...request,
    accept: [...(request.accept ?? []), 403, 404],
  });
  if (request.accept?.includes(response.status)) return response;
  if (response.status === 401 || response.status === 403)
    throw new ActionError(
      'unauthorized',
      `Microsoft Graph refused ${request.path} (${response.status}): ${graphReason(response)}`,
      {
        retryable: false,
      },
    );
  if (response.status === 404)
    throw new ActionError('not_found', `Microsoft Graph: ${graphReason(response)}`, { retryable: false });
  return response;
}
