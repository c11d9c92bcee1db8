import { RiposteError } from '../../core/riposte-error.ts';

/**
 * Why a single sign-on did not open a session. The reason travels in the problem document
 * (`reason`), in the audit row of the failed login and in the console's message; the detail says
 * what exactly was wrong, without tokens, codes or secrets.
 */
export type SsoFailureReason =
  // The sign-in itself: the browser's side of the flow.
  | 'provider_error'
  | 'missing_flow'
  | 'bad_flow'
  | 'flow_expired'
  | 'state_mismatch'
  | 'replayed'
  | 'missing_code'
  // The provider: discovery, keys, the token endpoint.
  | 'discovery_failed'
  | 'provider_unreachable'
  | 'token_error'
  // The ID token.
  | 'malformed_token'
  | 'unsupported_alg'
  | 'unknown_key'
  | 'bad_signature'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'wrong_azp'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'nonce_mismatch'
  // The person: who they are at the provider, and whether Riposte lets them in.
  | 'no_username'
  | 'email_unverified'
  | 'no_role'
  | 'disabled'
  | 'not_provisioned'
  | 'identity_conflict';

/** Reasons that are Riposte's decision about a person the provider vouched for (403, not 401). */
const REFUSALS: ReadonlySet<SsoFailureReason> = new Set([
  'no_role',
  'disabled',
  'not_provisioned',
  'identity_conflict',
]);

export function ssoFailure(reason: SsoFailureReason, detail: string, cause?: unknown): RiposteError {
  return new RiposteError(REFUSALS.has(reason) ? 'sso_refused' : 'sso_failed', detail, {
    extra: { reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The reason of an error `ssoFailure` made; undefined for any other error. */
export function ssoReasonOf(error: unknown): SsoFailureReason | undefined {
  if (!(error instanceof RiposteError) || (error.code !== 'sso_failed' && error.code !== 'sso_refused'))
    return undefined;
  return error.extra?.reason as SsoFailureReason | undefined;
}
