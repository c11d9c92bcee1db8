/**
 * Every error Riposte reports, with a stable code, an HTTP status and who is at fault. The code is the
 * contract: clients switch on it, so a code is never renamed or reused.
 */
export type Fault = 'user' | 'external' | 'internal';

export interface ErrorKind {
  status: number;
  fault: Fault;
  title: string;
}

export const ERROR_CATALOGUE = {
  bad_request: { status: 400, fault: 'user', title: 'The request is malformed' },
  invalid_json: { status: 400, fault: 'user', title: 'The body is not valid JSON' },
  validation_failed: { status: 400, fault: 'user', title: 'A field is missing or has the wrong type' },
  invalid_record: { status: 400, fault: 'user', title: 'The record cannot be normalized' },
  no_valid_records: { status: 400, fault: 'user', title: 'No record in the body could be ingested' },
  invalid_intel_file: {
    status: 422,
    fault: 'user',
    title: 'The threat-intelligence file has malformed records',
  },
  invalid_expression: { status: 400, fault: 'user', title: 'The expression is not valid' },
  invalid_playbook: { status: 422, fault: 'user', title: 'The playbook is not valid' },
  invalid_openapi: { status: 422, fault: 'user', title: 'The OpenAPI description cannot be imported' },
  invalid_cursor: { status: 400, fault: 'user', title: 'The pagination cursor is not valid' },
  unauthenticated: { status: 401, fault: 'user', title: 'Authentication is required' },
  invalid_token: { status: 401, fault: 'user', title: 'The token is unknown, expired or revoked' },
  invalid_credentials: { status: 401, fault: 'user', title: 'Wrong username or password' },
  invalid_signature: { status: 401, fault: 'user', title: 'The request signature does not match' },
  stale_signature: {
    status: 401,
    fault: 'user',
    title: 'The request signature is outside the replay window',
  },
  sso_failed: { status: 401, fault: 'external', title: 'Single sign-on failed' },
  forbidden: { status: 403, fault: 'user', title: 'Your role does not allow this' },
  sso_refused: {
    status: 403,
    fault: 'user',
    title: 'The identity provider signed the person in, but Riposte does not let them in',
  },
  sso_required: { status: 403, fault: 'user', title: 'People sign in through single sign-on only' },
  not_found: { status: 404, fault: 'user', title: 'No such resource' },
  route_not_found: { status: 404, fault: 'user', title: 'No such route' },
  unknown_tenant: { status: 404, fault: 'user', title: 'No tenant is served at this host name' },
  tenant_disabled: { status: 403, fault: 'user', title: 'The tenant is disabled' },
  method_not_allowed: { status: 405, fault: 'user', title: 'Method not allowed' },
  invalid_state: { status: 409, fault: 'user', title: 'The resource is not in a state that allows this' },
  conflict: { status: 409, fault: 'user', title: 'The resource already exists' },
  payload_too_large: { status: 413, fault: 'user', title: 'The body is larger than allowed' },
  unsupported_media_type: { status: 415, fault: 'user', title: 'The content type is not supported' },
  rate_limited: { status: 429, fault: 'user', title: 'Too many requests' },
  source_rate_limited: {
    status: 429,
    fault: 'user',
    title: 'The source sent more alerts than its limit allows; nothing of this request was stored',
  },
  not_available: {
    status: 501,
    fault: 'user',
    title: 'This server cannot do this (a part it needs is not installed)',
  },
  unavailable: { status: 503, fault: 'internal', title: 'The service is shutting down or not ready' },
  storage_unavailable: {
    status: 503,
    fault: 'internal',
    title: 'The database cannot take this now (full, read-only, busy or out of reach)',
  },
  internal: { status: 500, fault: 'internal', title: 'Internal error' },
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
