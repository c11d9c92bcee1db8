import { randomBytes, randomUUID } from 'node:crypto';
import type { FakeReply, FakeRequest } from './fake-server.ts';

/**
 * The v2.0 token endpoint of a Microsoft Entra ID tenant, for fakes of APIs behind it: the
 * client-credentials grant, its documented error shape (`error`, `error_description` with trace
 * lines, `error_codes`, …) and the tokens it issued, for the API fake to check.
 */
export interface FakeEntraTokens {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** The route handler of `POST /{tenant}/oauth2/v2.0/token`. */
  handle(request: FakeRequest): FakeReply;
  /** Whether a bearer token is one this endpoint issued and did not revoke. */
  valid(authorization: string | string[] | undefined): boolean;
  revokeAll(): void;
  issued(): number;
}

const entraError = (status: number, error: string, code: number, description: string): FakeReply => {
  const trace = randomUUID();
  const correlation = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z';
  return {
    status,
    json: {
      error,
      error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${trace}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: trace,
      correlation_id: correlation,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
};

export function fakeEntraTokens(scope: string, lifetimeSeconds = 3599): FakeEntraTokens {
  const tenantId = randomUUID();
  const clientId = randomUUID();
  const clientSecret = `Q8~${randomBytes(27).toString('base64url')}`;
  const tokens = new Set<string>();
  let issued = 0;
  return {
    tenantId,
    clientId,
    clientSecret,
    handle(request) {
      if (request.params['tenant'] !== tenantId)
        return entraError(400, 'invalid_request', 90002, `Tenant '${request.params['tenant']}' not found.`);
      const form = new URLSearchParams(request.body);
      if (form.get('grant_type') !== 'client_credentials')
        return entraError(
          400,
          'unsupported_grant_type',
          70003,
          'The app requested an unsupported grant type.',
        );
      if (form.get('client_id') !== clientId)
        return entraError(
          400,
          'unauthorized_client',
          700016,
          `Application with identifier '${form.get('client_id')}' was not found in the directory.`,
        );
      if (form.get('client_secret') !== clientSecret)
        return entraError(
          401,
          'invalid_client',
          7000215,
          'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
        );
      if (form.get('scope') !== scope)
        return entraError(
          400,
          'invalid_scope',
          70011,
          `The provided value for the input parameter 'scope' is not valid. The scope ${form.get('scope')} is not valid.`,
        );
      const token = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${randomBytes(24).toString('base64url')}`;
      tokens.add(token);
      issued++;
      return {
        json: {
          token_type: 'Bearer',
          expires_in: lifetimeSeconds,
          ext_expires_in: lifetimeSeconds,
          access_token: token,
        },
      };
    },
    valid(authorization) {
      const bearer = /^Bearer (.+)$/.exec(String(authorization ?? ''))?.[1];
      return bearer !== undefined && tokens.has(bearer);
    },
    revokeAll: () => tokens.clear(),
    issued: () => issued,
  };
}
