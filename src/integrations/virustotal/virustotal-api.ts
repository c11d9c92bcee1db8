import { Type } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import type { HttpClient } from '../sdk/http-client.ts';
import { VERDICTS } from '../sdk/integration.ts';

/**
 * The parts of the VirusTotal v3 API every action shares: the `{data: {id, type, attributes}}`
 * envelope, the `{error: {code, message}}` body, and the schemas of what the actions return.
 */

export const GUI = 'https://www.virustotal.com/gui';

export interface VtObject {
  id: string;
  type: string;
  attributes: Record<string, unknown>;
}

export const StatsSchema = Type.Object({
  malicious: Type.Integer({ minimum: 0 }),
  suspicious: Type.Integer({ minimum: 0 }),
  harmless: Type.Integer({ minimum: 0 }),
  undetected: Type.Integer({ minimum: 0 }),
});

export const VerdictSchema = Type.Union(VERDICTS.map((v) => Type.Literal(v)));

export const ThresholdSchema = Type.Optional(
  Type.Integer({
    minimum: 1,
    maximum: 100,
    description: 'Engines that must say malicious for the verdict to be malicious (default 3).',
  }),
);

function errorCode(body: unknown): string | undefined {
  const error = (body as { error?: { code?: unknown } } | null)?.error;
  return typeof error?.code === 'string' ? error.code : undefined;
}

function invalid(what: string, body: unknown): ActionError {
  const text = JSON.stringify(body) ?? String(body);
  return new ActionError(
    'invalid_response',
    `VirusTotal answered ${what} in a shape it does not document: ${text.slice(0, 200)}`,
    { retryable: false },
  );
}

/** The `data` object of a 200 answer, checked enough that the mapping below cannot trip on it. */
export function dataOf(body: unknown, what: string): VtObject {
  const data = (body as { data?: unknown } | null)?.data as Partial<VtObject> | undefined;
  if (
    !data ||
    typeof data.id !== 'string' ||
    typeof data.type !== 'string' ||
    !data.attributes ||
    typeof data.attributes !== 'object'
  )
    throw invalid(what, body);
  return data as VtObject;
}

/**
 * GET an object; null when VirusTotal says NotFoundError. A 404 with any other body (a wrong base
 * URL, a proxy's page) is an error: reading it as "not found" would pass a bad setup off as a clean result.
 */
export async function getObject(http: HttpClient, path: string): Promise<VtObject | null> {
  const { status, body } = await http.getJson<unknown>(path, undefined, [404]);
  if (status === 404) {
    if (errorCode(body) === 'NotFoundError') return null;
    throw invalid(`404 for ${path}`, body);
  }
  return dataOf(body, `200 for ${path}`);
}

export const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
export const int = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : null;
export const strings = (value: unknown, max = 50): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string').slice(0, max) : [];

/** VirusTotal dates are Unix seconds. */
export const isoDate = (value: unknown): string | null =>
  typeof value === 'number' && Number.isFinite(value) && value > 0
    ? new Date(value * 1000).toISOString()
    : null;

/** The identifier form VirusTotal accepts for a URL without canonicalizing it ourselves. */
export function urlId(url: string): string {
  return Buffer.from(url, 'utf8').toString('base64url');
}
