import { ActionError } from '../../core/action.ts';
import type { IntegrationContext } from '../sdk/integration.ts';

/** Slack Web API errors come back as HTTP 200 `{"ok":false,"error":"<code>"}`: how each steers the step. */
const AUTH = new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'ekm_access_denied',
  'access_denied',
]);
const NOT_FOUND = new Set(['channel_not_found', 'thread_not_found']);
const RATE = new Set(['ratelimited', 'rate_limited']);
const TRANSIENT = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

export interface SlackAnswer {
  ok: boolean;
  error?: string;
  needed?: string;
  provided?: string;
  [key: string]: unknown;
}

export function slackError(method: string, answer: SlackAnswer, retryAfter: string | null): ActionError {
  const code = answer.error ?? 'unknown_error';
  const scope = code === 'missing_scope' && answer.needed ? ` (needs ${answer.needed})` : '';
  const message = `Slack ${method} answered ok:false, error "${code}"${scope}`;
  if (AUTH.has(code)) return new ActionError('unauthorized', message, { retryable: false });
  if (NOT_FOUND.has(code)) return new ActionError('not_found', message, { retryable: false });
  if (RATE.has(code)) {
    const seconds = Number(retryAfter);
    return new ActionError('rate_limited', message, {
      retryable: true,
      ...(Number.isFinite(seconds) && seconds > 0 ? { retryAfterMs: seconds * 1000 } : {}),
    });
  }
  if (TRANSIENT.has(code)) return new ActionError('server_error', message, { retryable: true });
  return new ActionError('rejected', message, { retryable: false });
}

/**
 * One Web API call: JSON with an explicit charset (Slack warns `missing_charset` without one). HTTP
 * errors (429 with Retry-After, 5xx) are the HTTP client's; `ok:false` is turned into an ActionError here.
 */
export async function slackCall(
  context: IntegrationContext,
  method: string,
  args: Record<string, unknown>,
  { get = false }: { get?: boolean } = {},
): Promise<SlackAnswer> {
  const response = get
    ? await context.http.request({
        path: `/${method}`,
        query: Object.fromEntries(Object.entries(args).map(([k, v]) => [k, String(v)])),
      })
    : await context.http.request({
        method: 'POST',
        path: `/${method}`,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        json: args,
      });
  const answer = response.json<SlackAnswer>();
  if (!answer || typeof answer !== 'object' || typeof answer.ok !== 'boolean')
    throw new ActionError('invalid_response', `Slack ${method} answered without "ok"`, { retryable: false });
  if (!answer.ok) throw slackError(method, answer, response.headers.get('retry-after'));
  return answer;
}
