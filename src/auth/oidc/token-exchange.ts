import type { OidcHttp } from './oidc-http.ts';
import type { ProviderMetadata } from './oidc-provider.ts';
import { ssoFailure } from './sso-failure.ts';

export interface TokenRequest {
  clientId: string;
  /** Unset: a public client, which sends its id and proves itself by the PKCE verifier alone. */
  clientSecret: string | undefined;
  redirectUri: string;
  code: string;
  /** The PKCE code verifier whose S256 challenge the authorization request carried. */
  verifier: string;
}

/** RFC 6749 §2.3.1: the client id and secret are form-encoded before they are joined for Basic. */
const formEncoded = (text: string) => new URLSearchParams({ v: text }).toString().slice(2);

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The authorization code for the ID token at the token endpoint (OIDC Core §3.1.3), with the PKCE
 * verifier and the client's secret sent as discovery says the endpoint takes it: client_secret_basic
 * when listed (the default), else client_secret_post. The provider's OAuth error is named.
 */
export async function exchangeCode(
  http: OidcHttp,
  metadata: ProviderMetadata,
  request: TokenRequest,
): Promise<string> {
  const { clientId, clientSecret } = request;
  const form: Record<string, string> = {
    grant_type: 'authorization_code',
    code: request.code,
    redirect_uri: request.redirectUri,
    code_verifier: request.verifier,
  };
  const headers: Record<string, string> = { accept: 'application/json' };
  const methods = metadata.tokenEndpointAuthMethods;
  if (clientSecret === undefined) form.client_id = clientId;
  else if (methods.includes('client_secret_basic'))
    headers.authorization = `Basic ${Buffer.from(`${formEncoded(clientId)}:${formEncoded(clientSecret)}`).toString('base64')}`;
  else if (methods.includes('client_secret_post'))
    Object.assign(form, { client_id: clientId, client_secret: clientSecret });
  else
    throw ssoFailure(
      'token_error',
      `the provider's token endpoint authenticates clients with ${methods.join(', ')}; Riposte sends its secret with client_secret_basic or client_secret_post`,
    );
  let response;
  try {
    response = await http.postForm(metadata.tokenEndpoint, form, headers);
  } catch (error) {
    throw ssoFailure(
      'provider_unreachable',
      `the provider's token endpoint could not be reached: ${(error as Error).message}`,
      error,
    );
  }
  const body = jsonObject(response.text);
  if (response.status !== 200) {
    const error = typeof body?.error === 'string' ? body.error.slice(0, 100) : undefined;
    const description =
      typeof body?.error_description === 'string' ? body.error_description.slice(0, 300) : undefined;
    throw ssoFailure(
      'token_error',
      `the provider's token endpoint refused the code (${response.status}${error ? ` ${error}` : ''})${description ? `: ${description}` : ''}`,
    );
  }
  if (!body)
    throw ssoFailure(
      'token_error',
      `the provider's token endpoint answered with something that is not a JSON object (${response.contentType || 'no content type'})`,
    );
  if (typeof body.id_token !== 'string')
    throw ssoFailure(
      'token_error',
      "the provider's token endpoint answered without an id_token (is the openid scope allowed for this client?)",
    );
  return body.id_token;
}
