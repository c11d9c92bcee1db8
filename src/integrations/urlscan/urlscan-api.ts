import { Type, type TSchema } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import type { HttpClient, HttpRequest } from '../sdk/http-client.ts';

/**
 * The one way the urlscan.io actions talk to the API. urlscan answers errors as
 * `{message, description?, status}` and reports its per-action quota in `X-Rate-Limit-*` headers
 * (https://docs.urlscan.io/pages/api-rate-limits) rather than `Retry-After`, so 400 and 429 are
 * taken as answers here and turned into errors that say what urlscan said and when to come back.
 */

export const GUI = 'https://urlscan.io';
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

export const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export interface UrlscanAnswer {
  status: number;
  body: unknown;
}

/** urlscan's own words for a failure: `message` and `description`, or the `warning` some endpoints use. */
export function vendorMessage(body: unknown): string {
  const b = (body ?? {}) as { message?: unknown; description?: unknown; warning?: unknown };
  const parts = [b.message, b.description, b.warning].filter(
    (p): p is string => typeof p === 'string' && p !== '',
  );
  return parts.join(': ');
}

function lenientJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Sends a request; statuses in `handles` come back to the caller, 2xx come back parsed, and the rest
 * become ActionErrors: a malformed key (400 "Invalid API key format") is `unauthorized` like 401/403,
 * 429 is `rate_limited` with urlscan's reset time, 404/410 `not_found`, other 4xx `bad_request`.
 */
export async function urlscanRequest(
  http: HttpClient,
  request: HttpRequest,
  handles: readonly number[] = [],
): Promise<UrlscanAnswer> {
  const response = await http.request({ ...request, accept: [400, 404, 410, 429] });
  const { status } = response;
  if (status < 400 || handles.includes(status)) return { status, body: response.json() };
  const body = lenientJson(response.text());
  const said = vendorMessage(body) || response.text().slice(0, 200);
  const message = `urlscan.io answered ${status} to ${request.method ?? 'GET'} ${request.path}: ${said}`;
  if (status === 429) {
    const after = Number(response.headers.get('x-rate-limit-reset-after'));
    return Promise.reject(
      new ActionError('rate_limited', message, {
        retryable: true,
        ...(Number.isFinite(after) && after >= 0 ? { retryAfterMs: Math.ceil(after * 1000) } : {}),
      }),
    );
  }
  if (status === 400 && /api key/i.test(said))
    return Promise.reject(new ActionError('unauthorized', message, { retryable: false }));
  if (status === 404 || status === 410)
    return Promise.reject(new ActionError('not_found', message, { retryable: false }));
  return Promise.reject(new ActionError('bad_request', message, { retryable: false }));
}

export function invalidResponse(what: string, body: unknown): ActionError {
  return new ActionError(
    'invalid_response',
    `urlscan.io answered ${what} in a shape it does not document: ${(JSON.stringify(body) ?? String(body)).slice(0, 200)}`,
    { retryable: false },
  );
}

export const str = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null;
export const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;
export const strings = (value: unknown, max = 50): string[] =>
  Array.isArray(value)
    ? value
        .map((v) =>
          typeof v === 'string'
            ? v
            : str((v as { name?: unknown; key?: unknown })?.name ?? (v as { key?: unknown })?.key),
        )
        .filter((v): v is string => v !== null)
        .slice(0, max)
    : [];
export const record = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
