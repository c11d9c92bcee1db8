import { ActionError } from '../../core/action.ts';
import type { HttpResponse } from '../sdk/http-client.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import type { OperationPlan, ParameterPlan } from './openapi-operations.ts';

export interface OperationResult {
  status: number;
  body: unknown;
}

const scalar = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : typeof value === 'object' && value !== null
      ? JSON.stringify(value)
      : String(value);

/** Query serialization of OpenAPI's default styles: form (exploded or not) and deepObject. */
function appendQuery(search: URLSearchParams, p: ParameterPlan, value: unknown): void {
  if (Array.isArray(value)) {
    if (p.explode) for (const v of value) search.append(p.name, scalar(v));
    else search.append(p.name, value.map(scalar).join(','));
  } else if (p.deepObject && value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) search.append(`${p.name}[${k}]`, scalar(v));
  } else search.append(p.name, scalar(value));
}

function bodyOf(response: HttpResponse, method: string): unknown {
  if (method === 'HEAD' || response.status === 204) return null;
  const text = response.text();
  if (text === '') return null;
  if (!/json/i.test(response.headers.get('content-type') ?? '')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ActionError(
      'invalid_response',
      `${method} answered ${response.status} with a body that is not JSON`,
      {
        retryable: false,
      },
    );
  }
}

/** Calls one operation: path parameters encoded into the template, query, headers, JSON body. */
export async function callOperation(
  plan: OperationPlan,
  input: Record<string, unknown>,
  context: IntegrationContext,
): Promise<OperationResult> {
  let path = plan.path;
  const search = new URLSearchParams();
  const headers: Record<string, string> = { accept: 'application/json' };
  for (const p of plan.parameters) {
    const value = input[p.key];
    if (value === undefined) continue;
    if (p.in === 'path') path = path.replaceAll(`{${p.name}}`, encodeURIComponent(scalar(value)));
    else if (p.in === 'query') appendQuery(search, p, value);
    else headers[p.name.toLowerCase()] = Array.isArray(value) ? value.map(scalar).join(',') : scalar(value);
  }
  const query = search.toString();
  const response = await context.http.request({
    method: plan.method,
    path: query ? `${path}?${query}` : path,
    headers,
    ...(input['body'] !== undefined ? { json: input['body'] } : {}),
    accept: plan.accept,
  });
  return { status: response.status, body: bodyOf(response, plan.method) };
}
