import { ActionError } from '../../core/action.ts';

/**
 * ThreatFox reports its outcome in `query_status`: `ok` carries `data` (a list of IOCs), `no_result`
 * carries a sentence in `data`; `illegal_*`/`unknown_query` are the input's fault and `unknown_auth_key`
 * the key's. `no_results` is accepted too: the sibling abuse.ch APIs spell it that way.
 */
export function readIocs(body: unknown, query: string): Record<string, unknown>[] | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new ActionError(
      'invalid_response',
      `ThreatFox ${query} answered with something that is not an object`,
      {
        retryable: false,
      },
    );
  const { query_status: status, data } = body as { query_status?: unknown; data?: unknown };
  if (typeof status !== 'string')
    throw new ActionError('invalid_response', `ThreatFox ${query} answered without a query_status`, {
      retryable: false,
    });
  if (status === 'no_result' || status === 'no_results') return null;
  if (status === 'ok') {
    if (!Array.isArray(data))
      throw new ActionError('invalid_response', `ThreatFox ${query} answered ok without a data list`, {
        retryable: false,
      });
    return data.filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object');
  }
  if (status === 'unknown_auth_key' || status === 'unauthorized')
    throw new ActionError('unauthorized', `ThreatFox ${query}: the Auth-Key is not known to abuse.ch`, {
      retryable: false,
    });
  if (status.startsWith('illegal_') || status.startsWith('missing_') || status === 'unknown_query')
    throw new ActionError('invalid_input', `ThreatFox ${query} refused the input: ${status}`, {
      retryable: false,
    });
  throw new ActionError('invalid_response', `ThreatFox ${query} answered query_status "${status}"`, {
    retryable: false,
  });
}
