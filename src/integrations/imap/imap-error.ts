import { ActionError } from '../../core/action.ts';
import { SOCKET_ERROR_CODES } from '../sdk/socket-errors.ts';
import type { ImapSettings } from './imap-settings.ts';

const NETWORK_CODES = new Set([
  ...SOCKET_ERROR_CODES,
  // imapflow's own: the server hung up or the connection is gone.
  'NoConnection',
  'EConnectionClosed',
  'ClosedAfterConnectText',
  'ClosedAfterConnectTLS',
]);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'ETIMEOUT',
]);
/** RFC 5530 response codes. */
const AUTH_RESPONSE_CODES = new Set([
  'AUTHENTICATIONFAILED',
  'AUTHORIZATIONFAILED',
  'EXPIRED',
  'PRIVACYREQUIRED',
]);
const RETRY_RESPONSE_CODES = new Set(['UNAVAILABLE', 'INUSE', 'LIMIT']);

interface ImapFailure {
  code?: unknown;
  authenticationFailed?: unknown;
  serverResponseCode?: unknown;
  responseText?: unknown;
  message?: unknown;
}

function scrub(text: string, settings: ImapSettings): string {
  return settings.password ? text.split(settings.password).join('***') : text;
}

/**
 * What an imapflow failure means for the step: a refused login fails now, an unreachable or slow
 * server is retried. `doing` names the operation and the login ("log in as alice*riposte"). The
 * password never reaches the message, and the raw error is not attached as the cause so nothing
 * that serializes the error can carry it along.
 */
export function imapError(error: unknown, settings: ImapSettings, doing: string): ActionError {
  if (error instanceof ActionError) return error;
  const failure = (typeof error === 'object' && error !== null ? error : {}) as ImapFailure;
  const code = typeof failure.code === 'string' ? failure.code : '';
  const responseCode = typeof failure.serverResponseCode === 'string' ? failure.serverResponseCode : '';
  const text =
    (typeof failure.responseText === 'string' && failure.responseText) ||
    (error instanceof Error ? error.message : String(error));
  const shown = `imap ${settings.host}:${settings.port}: ${doing}`;
  const make = (kind: string, message: string, retryable: boolean) =>
    new ActionError(kind, scrub(message, settings), { retryable });
  if (failure.authenticationFailed === true || AUTH_RESPONSE_CODES.has(responseCode))
    return make('unauthorized', `${shown}: login refused: ${text}`, false);
  if (TIMEOUT_CODES.has(code))
    return make('timeout', `${shown}: no answer within ${settings.timeoutMs} ms (${code})`, true);
  if (NETWORK_CODES.has(code)) return make('network', `${shown}: ${text.split('\n')[0]} (${code})`, true);
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/.test(code))
    return make('tls', `${shown}: the server's certificate was not accepted: ${text} (${code})`, false);
  if (RETRY_RESPONSE_CODES.has(responseCode))
    return make('server_error', `${shown}: ${text} [${responseCode}]`, true);
  if (responseCode === 'NOPERM') return make('forbidden', `${shown}: ${text} [NOPERM]`, false);
  return make('imap_error', `${shown}: ${text}${responseCode ? ` [${responseCode}]` : ''}`, false);
}
