import { createHash } from 'node:crypto';
import { ActionError } from '../../core/action.ts';
import type { HttpRequest, HttpResponse } from '../sdk/http-client.ts';
import type { IntegrationContext } from '../sdk/integration.ts';

/**
 * The Falcon API's OAuth2 client-credentials session: `POST /oauth2/token` with the instance's
 * client id and secret, the bearer token kept until shortly before it expires (30 minutes), and one
 * fresh token when the API answers 401 (revoked, or the region's gateway forgot it).
 */
interface Token {
  value: string;
  expiresAt: number;
}

/** Renew this long before the announced expiry, so a token never dies in flight. */
const EXPIRY_MARGIN_MS = 60_000;
const tokens = new Map<string, Token>();
/** One token request per credential pair at a time: concurrent steps share it. */
const inFlight = new Map<string, Promise<Token>>();

/** Per instance and credential pair; a rotated secret gets a new entry, never the old token. */
function cacheKey(context: IntegrationContext): string {
  const secret = createHash('sha256')
    .update(context.fields['client_secret'] ?? '')
    .digest('hex');
  return `${context.instance}\n${context.fields['client_id'] ?? ''}\n${secret}`;
}

interface FalconErrorBody {
  errors?: { code?: number; message?: string }[] | null;
}

/** The first message of Falcon's `errors[]`, for error texts. */
export function falconMessage(body: unknown): string | undefined {
  const errors = (body as FalconErrorBody | null)?.errors;
  return Array.isArray(errors) ? errors.find((e) => typeof e?.message === 'string')?.message : undefined;
}

function parseJson(response: HttpResponse): unknown {
  try {
    return JSON.parse(response.text()) as unknown;
  } catch {
    return undefined;
  }
}

async function requestToken(context: IntegrationContext): Promise<Token> {
  const clientId = context.fields['client_id'];
  const clientSecret = context.fields['client_secret'];
  if (!clientId || !clientSecret)
    throw new ActionError('unauthorized', 'CrowdStrike needs client_id and client_secret', {
      retryable: false,
    });
  const response = await context.http.request({
    method: 'POST',
    path: '/oauth2/token',
    form: { client_id: clientId, client_secret: clientSecret },
    accept: [400, 401, 403],
  });
  if (response.status >= 400) {
    const reason = falconMessage(parseJson(response)) ?? `status ${response.status}`;
    throw new ActionError('unauthorized', `CrowdStrike refused the API client credentials: ${reason}`, {
      retryable: false,
    });
  }
  const body = response.json<{ access_token?: unknown; expires_in?: unknown }>();
  if (typeof body.access_token !== 'string' || body.access_token === '')
    throw new ActionError('invalid_response', 'CrowdStrike answered /oauth2/token without an access_token', {
      retryable: false,
    });
  const lifetime = typeof body.expires_in === 'number' ? body.expires_in * 1000 : 30 * 60_000;
  return { value: body.access_token, expiresAt: Date.now() + Math.max(0, lifetime - EXPIRY_MARGIN_MS) };
}

async function accessToken(context: IntegrationContext, refresh: boolean): Promise<string> {
  const key = cacheKey(context);
  const cached = tokens.get(key);
  if (!refresh && cached && cached.expiresAt > Date.now()) return cached.value;
  let pending = inFlight.get(key);
  if (!pending) {
    tokens.delete(key);
    pending = requestToken(context).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  const token = await pending;
  tokens.set(key, token);
  return token.value;
}

/** Falcon's 429 names the moment to come back as epoch seconds in `X-RateLimit-RetryAfter`. */
function rateLimited(response: HttpResponse): ActionError {
  const at = Number(response.headers.get('x-ratelimit-retryafter'));
  const retryAfterMs = Number.isFinite(at) && at > 0 ? Math.max(0, at * 1000 - Date.now()) : undefined;
  const reason = falconMessage(parseJson(response)) ?? 'rate limit exceeded';
  return new ActionError('rate_limited', `CrowdStrike answered 429: ${reason}`, {
    retryable: true,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/**
 * A Falcon API request with the session's bearer token. A 401 gets one fresh token and one more try;
 * a second 401 is not retryable. Statuses in `request.accept` come back as answers.
 */
export async function falconRequest(
  context: IntegrationContext,
  request: HttpRequest,
): Promise<HttpResponse> {
  const accept = [...new Set([...(request.accept ?? []), 401, 429])];
  for (let attempt = 1; ; attempt++) {
    const token = await accessToken(context, attempt > 1);
    const response = await context.http.request({
      ...request,
      headers: { ...request.headers, authorization: `Bearer ${token}` },
      accept,
    });
    if (response.status === 429 && !request.accept?.includes(429)) throw rateLimited(response);
    if (response.status !== 401 || request.accept?.includes(401)) return response;
    if (attempt >= 2) {
      const reason = falconMessage(parseJson(response)) ?? 'access denied';
      throw new ActionError('unauthorized', `CrowdStrike refused a fresh token: ${reason}`, {
        retryable: false,
      });
    }
  }
}
