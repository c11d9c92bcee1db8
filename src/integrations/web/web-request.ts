import { Type, type Static } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import type { HttpRequest } from '../sdk/http-client.ts';
import type { IntegrationContext } from '../sdk/integration.ts';

export const METHOD = Type.Union(
  ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'].map((m) => Type.Literal(m)),
);

const common = {
  url: Type.String({
    minLength: 1,
    description: 'absolute http(s) URL, or a path relative to the instance’s base_url',
  }),
  headers: Type.Optional(Type.Record(Type.String(), Type.String())),
  query: Type.Optional(
    Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  ),
  expect: Type.Optional(
    Type.Union([Type.Literal('json'), Type.Literal('text')], {
      default: 'json',
      description: 'how to read the body',
    }),
  ),
  accept_statuses: Type.Optional(
    Type.Array(Type.Integer({ minimum: 400, maximum: 599 }), {
      description: 'statuses that are answers, not failures (404 for "absent")',
    }),
  ),
  response_headers: Type.Optional(
    Type.Array(Type.String(), {
      description: 'response headers to return (default: content-type, location, etag, …)',
    }),
  ),
  timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000 })),
};

export const GetInput = Type.Object(common);
export const RequestInput = Type.Object({
  method: METHOD,
  ...common,
  json: Type.Optional(Type.Unknown({ description: 'sent as JSON' })),
  body: Type.Optional(Type.String({ description: 'sent as is; set its content-type in headers' })),
});
export type RequestInput = Static<typeof RequestInput>;

export const Output = Type.Object({
  status: Type.Integer(),
  url: Type.String({ description: 'the URL requested (redirects are returned, not followed)' }),
  headers: Type.Record(Type.String(), Type.String()),
  body: Type.Unknown({ description: 'parsed JSON (null when empty) or text' }),
});

const DEFAULT_HEADERS = [
  'content-type',
  'content-length',
  'location',
  'etag',
  'last-modified',
  'retry-after',
];
// Framing and routing are the client's business; a playbook setting them could smuggle requests.
const FORBIDDEN = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'te',
  'trailer',
]);

/**
 * One generic request through the shared client (SSRF guard, timeouts, size cap, retries). The instance's
 * header or basic credentials go only to its own base_url's origin, never to a URL a playbook names elsewhere.
 */
export async function sendRequest(
  input: RequestInput,
  context: IntegrationContext,
): Promise<Static<typeof Output>> {
  const url = resolve(input.url, context.fields['base_url']);
  if (input.json !== undefined && input.body !== undefined) throw invalid('give json or body, not both');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    if (FORBIDDEN.has(name.toLowerCase()))
      throw invalid(`the ${name} header is set by the client, not the playbook`);
    headers[name.toLowerCase()] = value;
  }
  if (sameOrigin(url, context.fields['base_url'])) Object.assign(headers, credentials(context.fields));
  const request: HttpRequest = {
    method: input.method as NonNullable<HttpRequest['method']>,
    path: url.toString(),
    headers,
    ...(input.query ? { query: input.query } : {}),
    ...(input.json !== undefined ? { json: input.json } : {}),
    ...(input.body !== undefined ? { body: input.body } : {}),
    ...(input.accept_statuses ? { accept: input.accept_statuses } : {}),
    ...(input.timeout_ms ? { timeoutMs: input.timeout_ms } : {}),
  };
  const response = await context.http.request(request);
  const wanted = (input.response_headers ?? DEFAULT_HEADERS).map((h) => h.toLowerCase());
  const selected: Record<string, string> = {};
  for (const name of wanted) {
    const value = response.headers.get(name);
    if (value !== null) selected[name] = value;
  }
  const text = response.text();
  return {
    status: response.status,
    url: response.url,
    headers: selected,
    body: (input.expect ?? 'json') === 'text' ? text : text.trim() === '' ? null : response.json(),
  };
}

function resolve(url: string, baseUrl: string | undefined): URL {
  if (/^https?:\/\//i.test(url)) {
    if (!URL.canParse(url)) throw invalid(`${url} is not a URL`);
    return new URL(url);
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(url))
    throw invalid(`only http and https URLs can be requested, not ${url.split(':')[0]}`);
  if (!baseUrl) throw invalid(`${url} is relative and the instance has no base_url`);
  return new URL(baseUrl.replace(/\/+$/, '') + (url.startsWith('/') ? url : `/${url}`));
}

function sameOrigin(url: URL, baseUrl: string | undefined): boolean {
  return baseUrl !== undefined && /^https?:\/\//i.test(baseUrl) && new URL(baseUrl).origin === url.origin;
}

function credentials(fields: Readonly<Record<string, string>>): Record<string, string> {
  if (fields['header_name'] && fields['header_value'])
    return { [fields['header_name'].toLowerCase()]: fields['header_value'] };
  if (fields['username'] && fields['password'])
    return {
      authorization: `Basic ${Buffer.from(`${fields['username']}:${fields['password']}`).toString('base64')}`,
    };
  return {};
}

function invalid(message: string): ActionError {
  return new ActionError('invalid_input', message, { retryable: false });
}
