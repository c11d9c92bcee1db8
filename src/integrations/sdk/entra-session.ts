import { createHash } from 'node:crypto';
import { ActionError } from '../../core/action.ts';
import type { HttpRequest, HttpResponse } from './http-client.ts';
import type { CredentialField, IntegrationContext } from './integration.ts';

/**
 * A Microsoft Entra ID (Azure AD) app-only session: the OAuth2 client-credentials grant against the
 * tenant's v2.0 token endpoint, the bearer token kept until shortly before it expires, one fresh token
 * after a 401. The same file serves msgraph and defender (only the scope differs).
 */

/** The instance fields the session reads; `token_url` exists so a fake (or a national cloud) can serve it. */
export const ENTRA_CREDENTIALS: CredentialField[] = [
  { name: 'tenant_id', label: 'Directory (tenant) ID', secret: false, required: true },
  { name: 'client_id', label: 'Application (client) ID', secret: false, required: true },
  { name: 'client_secret', label: 'Client secret', secret: true, required: true },
  {
    name: 'token_url',
    label: 'Token endpoint',
    secret: false,
    required: false,
    description: 'Default https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/token',
  },
];

interface Token {
  value: string;
  expiresAt: number;
}

const EXPIRY_MARGIN_MS = 60_000;
const tokens = new Map<string, Token>();
const inFlight = new Map<string, Promise<Token>>();

export function tokenUrl(context: IntegrationContext): string {
  const configured = context.fields['token_url'];
  if (configured) return configured;
  const tenant = context.fields['tenant_id'] ?? '';
  if (!/^[A-Za-z0-9.-]+$/.test(tenant))
    throw new ActionError('not_configured', 'the instance needs its tenant_id (a GUID or a domain name)', {
      retryable: false,
    });
  return `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`;
}

function cacheKey(context: IntegrationContext, scope: string): string {
  const secret = createHash('sha256')
    .update(context.fields['client_secret'] ?? '')
    .digest('hex');
  return [context.instance, tokenUrl(context), scope, context.fields['client_id'] ?? '', secret].join('\n');
}

/** `AADSTS7000215: Invalid client secret provided…`, without the trace lines Entra appends. */
function entraReason(response: HttpResponse): string {
  try {
    const body = JSON.parse(response.text()) as { error?: unknown; error_description?: unknown };
    const description =
      typeof body.error_description === 'string' ? body.error_description.split(/\r?\n/)[0]!.trim() : '';
    return [typeof body.error === 'string' ? body.error : `status ${response.status}`, description]
      .filter(Boolean)
      .join(': ');
  } catch {
    return `status ${response.status}`;
  }
}

async function requestToken(context: IntegrationContext, scope: string): Promise<Token> {
  const clientId = context.fields['client_id'];
  const clientSecret = context.fields['client_secret'];
  if (!clientId || !clientSecret)
    throw new ActionError('not_configured', 'the instance needs client_id and client_secret', {
      retryable: false,
    });
  const response = await context.http.request({
    method: 'POST',
    path: tokenUrl(context),
    form: { client_id: clientId, client_secret: clientSecret, scope, grant_type: 'client_credentials' },
    accept: [400, 401],
  });
  if (response.status >= 400)
    throw new ActionError(
      'unauthorized',
      `Microsoft Entra ID refused the app credentials: ${entraReason(response)}`,
      {
        retryable: false,
      },
    );
  const body = response.json<{ access_token?: unknown; expires_in?: unknown }>();
  if (typeof body.access_token !== 'string' || body.access_token === '')
    throw new ActionError('invalid_response', 'Microsoft Entra ID answered without an access_token', {
      retryable: false,
    });
  const lifetime = typeof body.expires_in === 'number' ? body.expires_in * 1000 : 3599_000;
  return { value: body.access_token, expiresAt: Date.now() + Math.max(0, lifetime - EXPIRY_MARGIN_MS) };
}

async function accessToken(context: IntegrationContext, scope: string, refresh: boolean): Promise<string> {
  const key = cacheKey(context, scope);
  const cached = tokens.get(key);
  if (!refresh && cached && cached.expiresAt > Date.now()) return cached.value;
  let pending = inFlight.get(key);
  if (!pending) {
    tokens.delete(key);
    pending = requestToken(context, scope).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  const token = await pending;
  tokens.set(key, token);
  return token.value;
}

/**
 * A request with the session's bearer token for `scope`. A 401 gets one fresh token and one more
 * try; the second 401 comes back as an answer for the caller to report. Other statuses in
 * `request.accept` come back too; the rest become the HTTP client's errors (429 with Retry-After).
 */
export async function entraRequest(
  context: IntegrationContext,
  scope: string,
  request: HttpRequest,
): Promise<HttpResponse> {
  const accept = [...new Set([...(request.accept ?? []), 401])];
  let response: HttpResponse | undefined;
  for (let attempt = 1; attempt <= 2; attempt++) {
    const token = await accessToken(context, scope, attempt > 1);
    response = await context.http.request({
      ...request,
      headers: { ...request.headers, authorization: `Bearer ${token}` },
      accept,
    });
    if (response.status !== 401) return response;
  }
  return response!;
}
