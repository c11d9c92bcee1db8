import { ResultCodeError } from 'ldapts';
import { ActionError } from '../../core/action.ts';
import { SOCKET_ERROR_CODES } from '../sdk/socket-errors.ts';
import type { LdapSettings } from './ldap-settings.ts';

/** LDAP result codes (RFC 4511 4.1.9) that decide a failure's kind. */
const RESULT = {
  timeLimitExceeded: 3,
  sizeLimitExceeded: 4,
  authMethodNotSupported: 7,
  strongAuthRequired: 8,
  confidentialityRequired: 13,
  noSuchAttribute: 16,
  undefinedAttributeType: 17,
  constraintViolation: 19,
  attributeOrValueExists: 20,
  invalidAttributeSyntax: 21,
  noSuchObject: 32,
  invalidDnSyntax: 34,
  inappropriateAuthentication: 48,
  invalidCredentials: 49,
  insufficientAccessRights: 50,
  busy: 51,
  unavailable: 52,
  unwillingToPerform: 53,
  objectClassViolation: 65,
} as const;

const NETWORK_CODES = new Set([...SOCKET_ERROR_CODES, 'ETIMEDOUT']);

/** Masks the bind password wherever it might have been echoed. */
function scrub(text: string, settings: LdapSettings): string {
  return settings.bindPassword ? text.split(settings.bindPassword).join('***') : text;
}

function fromResultCode(error: ResultCodeError, shown: string): ActionError {
  const message = `${shown}: ${error.message} (LDAP result ${error.code})`;
  const fail = (code: string) => new ActionError(code, message, { retryable: false });
  switch (error.code) {
    case RESULT.invalidCredentials:
    case RESULT.inappropriateAuthentication:
    case RESULT.authMethodNotSupported:
    case RESULT.strongAuthRequired:
    case RESULT.confidentialityRequired:
      return fail('unauthorized');
    case RESULT.insufficientAccessRights:
      return fail('forbidden');
    case RESULT.noSuchObject:
      return fail('not_found');
    case RESULT.invalidDnSyntax:
      return fail('invalid_configuration');
    case RESULT.sizeLimitExceeded:
      return fail('too_many_results');
    case RESULT.unwillingToPerform:
    case RESULT.constraintViolation:
    case RESULT.invalidAttributeSyntax:
    case RESULT.objectClassViolation:
      return fail('refused');
    case RESULT.undefinedAttributeType:
      return fail('unsupported');
    case RESULT.timeLimitExceeded:
      return new ActionError('timeout', message, { retryable: true });
    case RESULT.busy:
    case RESULT.unavailable:
      return new ActionError('server_error', message, { retryable: true });
    default:
      return fail('directory_error');
  }
}

/**
 * What an ldapts failure means for the step: a refused bind fails now, an unreachable or slow
 * server is retried. `doing` names the operation ("bind as cn=svc,…", "search ou=people,…").
 * The bind password never reaches the message, and the raw error is not attached as the cause
 * so nothing that serializes the error can carry it along.
 */
/**
 * Whether a failed modify says the entry is already in the state asked for: a value to add is
 * there already (20), or there is nothing left to delete (16).
 */
export function alreadyInState(error: unknown, operation: 'add' | 'delete' | 'replace'): boolean {
  if (!(error instanceof ResultCodeError)) return false;
  return (
    (operation === 'add' && error.code === RESULT.attributeOrValueExists) ||
    (operation === 'delete' && error.code === RESULT.noSuchAttribute)
  );
}

export function ldapError(error: unknown, settings: LdapSettings, doing: string): ActionError {
  if (error instanceof ActionError) return error;
  const shown = `${settings.url}: ${doing}`;
  if (error instanceof ResultCodeError) return scrubbed(fromResultCode(error, shown), settings);
  const code = String((error as { code?: unknown })?.code ?? '');
  const text = error instanceof Error ? error.message : String(error);
  let result: ActionError;
  if (text === 'Connection timeout' || /timed out/i.test(text))
    result = new ActionError('timeout', `${shown}: no answer within ${settings.timeoutMs} ms`, {
      retryable: true,
    });
  else if (NETWORK_CODES.has(code) || /Connection closed|Socket error|Socket connection not/i.test(text))
    result = new ActionError('network', `${shown}: ${text.split('\n')[0]}${code ? ` (${code})` : ''}`, {
      retryable: true,
    });
  else if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/.test(code))
    result = new ActionError(
      'tls',
      `${shown}: the server's certificate was not accepted: ${text} (${code})`,
      {
        retryable: false,
      },
    );
  else result = new ActionError('directory_error', `${shown}: ${text}`, { retryable: false });
  return scrubbed(result, settings);
}

function scrubbed(error: ActionError, settings: LdapSettings): ActionError {
  const message = scrub(error.message, settings);
  if (message === error.message) return error;
  return new ActionError(error.code, message, {
    retryable: error.retryable,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
  });
}
