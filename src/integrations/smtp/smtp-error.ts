import { ActionError } from '../../core/action.ts';
import { SOCKET_ERROR_CODES } from '../sdk/socket-errors.ts';
import type { SmtpSettings } from './smtp-settings.ts';

const NETWORK_CODES = new Set([...SOCKET_ERROR_CODES]);

interface NodemailerFailure {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  message?: unknown;
}

/**
 * What a nodemailer failure means for the step. A refused login or a permanently refused
 * message (5xx) fails now; an unreachable server, a timeout or a temporary refusal (4xx) is
 * retried. The password never reaches the message.
 */
export function smtpError(error: unknown, settings: SmtpSettings, doing: string): ActionError {
  if (error instanceof ActionError) return error;
  const failure = (typeof error === 'object' && error !== null ? error : {}) as NodemailerFailure;
  const code = typeof failure.code === 'string' ? failure.code : '';
  const status = typeof failure.responseCode === 'number' ? failure.responseCode : 0;
  const text =
    (typeof failure.response === 'string' && failure.response) ||
    (error instanceof Error ? error.message : String(error));
  const shown = `smtp ${settings.host}:${settings.port}: ${doing}`;
  const pass = settings.auth?.pass;
  const make = (kind: string, message: string, retryable: boolean) =>
    new ActionError(kind, pass ? message.split(pass).join('***') : message, { retryable });
  const cause = (error as { cause?: { code?: unknown } })?.cause;
  const socketCode = typeof cause?.code === 'string' ? cause.code : '';
  if (code === 'EAUTH' || status === 535 || status === 534 || status === 530)
    return make(
      'unauthorized',
      `${shown}: login as ${settings.auth?.user ?? '(none)'} refused: ${text}`,
      false,
    );
  if (code === 'ETIMEDOUT' || /timeout/i.test(code))
    return make('timeout', `${shown}: no answer within ${settings.timeoutMs} ms`, true);
  if (
    NETWORK_CODES.has(code) ||
    NETWORK_CODES.has(socketCode) ||
    code === 'ECONNECTION' ||
    code === 'ESOCKET'
  ) {
    const detail = [...NETWORK_CODES].find((c) => c === code || c === socketCode || text.includes(c));
    if (!/CERT|SSL|TLS/i.test(text))
      return make(
        'network',
        `${shown}: ${text.split('\n')[0]}${detail && !text.includes(detail) ? ` (${detail})` : ''}`,
        true,
      );
  }
  if (code === 'ETLS' || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/.test(code + text))
    return make('tls', `${shown}: TLS failed: ${text}`, false);
  if (status >= 400 && status < 500) return make('server_error', `${shown}: ${text}`, true);
  if (code === 'EENVELOPE' || (status >= 500 && status < 600))
    return make('rejected', `${shown}: ${text}`, false);
  return make('smtp_error', `${shown}: ${text}`, false);
}
