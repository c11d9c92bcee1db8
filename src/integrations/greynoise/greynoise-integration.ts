import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { isIP } from 'node:net';
import { ActionError } from '../../core/action.ts';
import { ipObservable } from '../../core/observable.ts';
import type { EnrichmentFinding, IntegrationContext } from '../sdk/integration.ts';
import { defineAction, defineIntegration } from '../sdk/integration.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const LookupIpInput = Type.Object(
  { ip: Type.String({ minLength: 7, maxLength: 15, pattern: '^[0-9.]+$', description: 'IPv4 address' }) },
  { additionalProperties: false },
);
export type LookupIpInput = Static<typeof LookupIpInput>;

export const LookupIpOutput = Type.Object({
  ip: Type.String(),
  /** False when GreyNoise has no record of the address (its 404 answer, or a non-routable address). */
  observed: Type.Boolean(),
  /** Seen mass-scanning the internet in the last 90 days. */
  noise: Type.Boolean(),
  /** A common business service (RIOT: CDNs, cloud, public DNS…). */
  riot: Type.Boolean(),
  classification: Nullable(
    Type.Union([Type.Literal('benign'), Type.Literal('malicious'), Type.Literal('unknown')]),
  ),
  name: Nullable(Type.String()),
  link: Nullable(Type.String()),
  lastSeen: Nullable(Type.String()),
  message: Nullable(Type.String()),
});
export type LookupIpOutput = Static<typeof LookupIpOutput>;

const CLASSIFICATIONS = new Set(['benign', 'malicious', 'unknown']);
/** GreyNoise gives no number; these fixed scores place its classes on the common 0–100 scale. */
export const MALICIOUS_SCORE = 90;

/**
 * - classification malicious → malicious (90)
 * - riot, or classification benign → benign (0): a known business service or a benign scanner
 * - noise of unknown intent → unknown: background scanning, not aimed at anyone in particular
 * - not observed → unknown, no score
 */
export function greynoiseFinding(output: LookupIpOutput): EnrichmentFinding {
  const who = output.name && output.name !== 'unknown' ? ` (${output.name})` : '';
  if (output.classification === 'malicious')
    return { verdict: 'malicious', score: MALICIOUS_SCORE, summary: `GreyNoise: malicious scanner${who}` };
  if (output.riot)
    return { verdict: 'benign', score: 0, summary: `GreyNoise RIOT: common business service${who}` };
  if (output.classification === 'benign')
    return { verdict: 'benign', score: 0, summary: `GreyNoise: benign scanner${who}` };
  if (output.noise)
    return { verdict: 'unknown', score: null, summary: 'GreyNoise: internet scanner of unknown intent' };
  return { verdict: 'unknown', score: null, summary: 'GreyNoise: not observed scanning the internet' };
}

function invalid(message: string): ActionError {
  return new ActionError('invalid_response', `GreyNoise answered ${message}`, { retryable: false });
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function parseCommunity(ip: string, status: number, body: unknown): LookupIpOutput {
  if (!body || typeof body !== 'object') throw invalid(`${status} with a body that is not an object`);
  const b = body as Record<string, unknown>;
  if (status === 400) {
    // A private or reserved address: nothing to know, which is an answer, not a failure.
    if (/not a valid routable/i.test(String(b['message'])))
      return { ...unobserved(ip), message: text(b['message']) };
    throw new ActionError(
      'bad_request',
      `GreyNoise refused ${ip}: ${String(b['message'] ?? 'no reason given')}`,
      {
        retryable: false,
      },
    );
  }
  if (typeof b['noise'] !== 'boolean') throw invalid(`${status} without the "noise" flag`);
  const classification = text(b['classification']);
  return {
    ip: text(b['ip']) ?? ip,
    observed: status !== 404,
    noise: b['noise'],
    riot: b['riot'] === true,
    classification:
      classification && CLASSIFICATIONS.has(classification)
        ? (classification as 'benign' | 'malicious' | 'unknown')
        : null,
    name: text(b['name']),
    link: text(b['link']),
    lastSeen: text(b['last_seen']),
    message: text(b['message']),
  };
}

function unobserved(ip: string): LookupIpOutput {
  return {
    ip,
    observed: false,
    noise: false,
    riot: false,
    classification: null,
    name: null,
    link: null,
    lastSeen: null,
    message: null,
  };
}

async function lookup(context: IntegrationContext, ip: string): Promise<LookupIpOutput> {
  // 404 is GreyNoise's "not observed" answer, with a body; 400 may be a non-routable address.
  const { status, body } = await context.http.getJson(`/${encodeURIComponent(ip)}`, undefined, [400, 404]);
  return parseCommunity(ip, status, body);
}

export const greynoise = defineIntegration({
  id: 'greynoise',
  name: 'GreyNoise Community',
  version: '1.0.0',
  categories: ['threat_intel', 'enrichment'],
  docs: 'https://docs.greynoise.io/reference/getcommunityip',
  baseUrl: 'https://api.greynoise.io/v3/community',
  credentials: [
    {
      name: 'api_key',
      label: 'API key',
      secret: true,
      required: true,
      description: 'A free Community account key, from https://viz.greynoise.io/account/api-key',
    },
  ],
  auth: { kind: 'header', header: 'key', field: 'api_key' },
  // The Community API is deliberately low-volume (about 50 lookups a day per account); a paid key
  // should use the full IP Context API instead of this integration.
  rateLimit: { requests: 50, perSeconds: 86_400 },
  // The Community API has no ping: looking up a RIOT address spends one lookup.
  testConnection: async (context) => {
    await lookup(context, '8.8.8.8');
  },
  actions: [
    defineAction({
      name: 'lookup_ip',
      title: 'Look up an IP address',
      description:
        'Whether GreyNoise has seen the address mass-scanning the internet (noise) or knows it as a business service (RIOT), and its classification.',
      effect: 'read',
      input: LookupIpInput,
      output: LookupIpOutput,
      cacheTtlSeconds: 24 * 3600,
      enrichment: {
        observable: (input) => ipObservable(input.ip),
        finding: (output) => greynoiseFinding(output),
      },
      run: async (input, context) => {
        const ip = input.ip.trim();
        if (isIP(ip) !== 4)
          throw new ActionError(
            'invalid_input',
            `GreyNoise Community looks up IPv4 addresses only, not "${ip}"`,
            {
              retryable: false,
            },
          );
        return lookup(context, ip);
      },
    }),
  ],
});
