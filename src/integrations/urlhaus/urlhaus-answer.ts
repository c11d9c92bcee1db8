import { ActionError } from '../../core/action.ts';

/** What every URLhaus answer carries; the rest depends on the endpoint. */
export type UrlhausAnswer = { query_status: string } & Record<string, unknown>;

/**
 * URLhaus reports its outcome in `query_status`, mostly with HTTP 200: `ok` and `no_results` are answers,
 * everything else is an error of ours (`invalid_url`, `invalid_host`, `invalid_md5`, `invalid_sha256`,
 * `http_post_expected`) or of the key (`unknown_auth_key`).
 */
export function readAnswer(body: unknown, endpoint: string): UrlhausAnswer & { found: boolean } {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new ActionError(
      'invalid_response',
      `URLhaus ${endpoint} answered with something that is not an object`,
      {
        retryable: false,
      },
    );
  const status = (body as { query_status?: unknown }).query_status;
  if (typeof status !== 'string')
    throw new ActionError('invalid_response', `URLhaus ${endpoint} answered without a query_status`, {
      retryable: false,
    });
  if (status === 'ok') return { ...(body as UrlhausAnswer), found: true };
  if (status === 'no_results') return { ...(body as UrlhausAnswer), found: false };
  if (status === 'unknown_auth_key')
    throw new ActionError('unauthorized', `URLhaus ${endpoint}: the Auth-Key is not known to abuse.ch`, {
      retryable: false,
    });
  if (status.startsWith('invalid_'))
    throw new ActionError('invalid_input', `URLhaus ${endpoint} refused the input: ${status}`, {
      retryable: false,
    });
  throw new ActionError('invalid_response', `URLhaus ${endpoint} answered query_status "${status}"`, {
    retryable: false,
  });
}

export function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

export function count(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : null;
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value)
    ? value.filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object')
    : [];
}

export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}
