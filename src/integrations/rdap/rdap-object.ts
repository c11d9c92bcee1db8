import { ActionError } from '../../core/action.ts';
import type { HttpClient } from '../sdk/http-client.ts';

type Json = Record<string, unknown>;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GET an RDAP path (RFC 9082) and follow one redirect to the authoritative server (RFC 7480 §5.2), which
 * is how rdap.org answers after its bootstrap lookup. The redirected request goes through the same client,
 * so the SSRF guard judges the registry's address too. 404 is an answer: the object does not exist.
 */
export async function fetchRdap(
  http: HttpClient,
  path: string,
): Promise<{ object: Json | null; server: string }> {
  const headers = { accept: 'application/rdap+json, application/json' };
  let response = await http.request({ path, headers, accept: [404] });
  if (REDIRECTS.has(response.status)) {
    const location = response.headers.get('location');
    if (!location)
      throw new ActionError(
        'invalid_response',
        `RDAP ${path} answered ${response.status} without a Location`,
        {
          retryable: false,
        },
      );
    response = await http.request({
      path: new URL(location, response.url).toString(),
      headers,
      accept: [404],
    });
    if (REDIRECTS.has(response.status))
      throw new ActionError('invalid_response', `RDAP ${path} redirected more than once`, {
        retryable: false,
      });
  }
  if (response.status === 404) return { object: null, server: response.url };
  const body = response.json<unknown>();
  if (
    body === null ||
    typeof body !== 'object' ||
    Array.isArray(body) ||
    typeof (body as Json)['objectClassName'] !== 'string'
  )
    throw new ActionError('invalid_response', `RDAP ${path} answered something that is not an RDAP object`, {
      retryable: false,
    });
  return { object: body as Json, server: response.url };
}

/** The date of the first event with this eventAction (`registration`, `last changed`, `expiration`). */
export function eventDate(object: Json, action: string): string | null {
  const events = Array.isArray(object['events']) ? (object['events'] as Json[]) : [];
  const date = events.find((e) => e?.['eventAction'] === action)?.['eventDate'];
  return typeof date === 'string' && !Number.isNaN(Date.parse(date)) ? new Date(date).toISOString() : null;
}

/** The first entity (searched one level deep) having the role, as its vCard `fn` and IANA id. */
export function entityWithRole(
  object: Json,
  role: string,
): { name: string | null; ianaId: string | null } | null {
  const entities = (o: Json): Json[] => (Array.isArray(o['entities']) ? (o['entities'] as Json[]) : []);
  const all = entities(object).flatMap((e) => [e, ...entities(e)]);
  const entity = all.find((e) => Array.isArray(e['roles']) && (e['roles'] as unknown[]).includes(role));
  if (!entity) return null;
  const publicIds = Array.isArray(entity['publicIds']) ? (entity['publicIds'] as Json[]) : [];
  const iana = publicIds.find((p) => p['type'] === 'IANA Registrar ID')?.['identifier'];
  return { name: vcardFn(entity['vcardArray']), ianaId: typeof iana === 'string' ? iana : null };
}

/** jCard (RFC 7095): `["vcard", [["fn", {}, "text", "Name"], …]]`. */
function vcardFn(vcard: unknown): string | null {
  if (!Array.isArray(vcard) || !Array.isArray(vcard[1])) return null;
  const fn = (vcard[1] as unknown[]).find((p) => Array.isArray(p) && p[0] === 'fn') as unknown[] | undefined;
  return typeof fn?.[3] === 'string' && fn[3] !== '' ? fn[3] : null;
}

export function textOf(object: Json, key: string): string | null {
  const value = object[key];
  return typeof value === 'string' && value !== '' ? value : null;
}

export function statusOf(object: Json): string[] {
  return Array.isArray(object['status'])
    ? object['status'].filter((s): s is string => typeof s === 'string')
    : [];
}
