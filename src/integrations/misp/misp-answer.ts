import { ActionError } from '../../core/action.ts';
import type { HttpClient, HttpResponse } from '../sdk/http-client.ts';
import type { IntegrationContext } from '../sdk/integration.ts';

/**
 * MISP lives wherever its owner runs it, so there is no default URL: an instance without `base_url`
 * is refused before anything is sent.
 */
export function mispHttp(context: IntegrationContext): HttpClient {
  if (!context.fields['base_url'])
    throw new ActionError('not_configured', 'the MISP instance has no base_url (https://misp.example.org)', {
      retryable: false,
    });
  return context.http;
}

/**
 * MISP answers a refused save with 403 too (`saveFailResponse`), so 403 is read here: a body naming
 * the authentication failure is the key's fault, anything else is MISP refusing the request.
 */
export async function mispPost(http: HttpClient, path: string, json: unknown): Promise<unknown> {
  const response = await http.request({ method: 'POST', path, json, accept: [403] });
  if (response.status === 403) throw refusal(response, path);
  return response.json();
}

function refusal(response: HttpResponse, path: string): ActionError {
  let body: Record<string, unknown> = {};
  try {
    body = response.json<Record<string, unknown>>() ?? {};
  } catch {
    // an HTML 403 from a proxy: reported as MISP refusing access
  }
  const name = typeof body['name'] === 'string' ? body['name'] : '';
  if (/authenticat|authoris|authoriz/i.test(name) || !name)
    return new ActionError(
      'unauthorized',
      `MISP ${path} refused the API key (403): ${name || 'no reason given'}`,
      {
        retryable: false,
      },
    );
  const errors = typeof body['errors'] === 'string' ? body['errors'] : JSON.stringify(body['errors'] ?? '');
  return new ActionError('rejected', `MISP ${path} refused: ${name}${errors ? ` (${errors})` : ''}`, {
    retryable: false,
  });
}
