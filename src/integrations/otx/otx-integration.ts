import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import { observable } from '../../core/observable.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { defineAction, defineIntegration } from '../sdk/integration.ts';
import {
  inferOtxType,
  observableTypeOf,
  OTX_INDICATOR_TYPES,
  OTX_SLUG,
  type OtxIndicatorType,
} from './otx-indicator-type.ts';
import { otxFinding } from './otx-verdict.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Pulses kept in the output; `pulseCount` still says how many there are. */
const PULSES_KEPT = 20;

export const IndicatorInput = Type.Object(
  {
    value: Type.String({ minLength: 1, maxLength: 2048 }),
    type: Type.Optional(
      Type.Union(
        OTX_INDICATOR_TYPES.map((t) => Type.Literal(t)),
        { description: 'Inferred from the value when left out' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type IndicatorInput = Static<typeof IndicatorInput>;

const Pulse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  tags: Type.Array(Type.String()),
  malwareFamilies: Type.Array(Type.String()),
  created: Nullable(Type.String()),
  modified: Nullable(Type.String()),
  tlp: Nullable(Type.String()),
  adversary: Nullable(Type.String()),
});

export const IndicatorOutput = Type.Object({
  indicator: Type.String(),
  type: Type.Union(OTX_INDICATOR_TYPES.map((t) => Type.Literal(t))),
  /** OTX's own name for the type (`IPv4`, `FileHash-SHA256`…). */
  typeTitle: Nullable(Type.String()),
  /** False when OTX does not know the indicator at all (its 404). */
  observed: Type.Boolean(),
  pulseCount: Type.Integer({ minimum: 0 }),
  pulses: Type.Array(Pulse),
  /** Malware families named by the pulses or OTX's related data, deduplicated. */
  malwareFamilies: Type.Array(Type.String()),
  /** IPs only; 0 when OTX has no reputation data. */
  reputation: Nullable(Type.Number()),
  validation: Type.Array(Type.Object({ source: Type.String(), name: Type.String(), message: Type.String() })),
  whitelisted: Type.Boolean(),
  falsePositive: Type.Boolean(),
  link: Type.String(),
});
export type IndicatorOutput = Static<typeof IndicatorOutput>;

function invalid(message: string): ActionError {
  return new ActionError('invalid_response', `OTX answered ${message}`, { retryable: false });
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
/** Malware families come as names, or (in indicator pages) as `{id, display_name, target}`. */
const families = (v: unknown): string[] =>
  Array.isArray(v)
    ? v
        .map((f) => (typeof f === 'string' ? f : (text(f?.display_name) ?? text(f?.id))))
        .filter((f): f is string => f !== null)
    : [];

const link = (type: OtxIndicatorType, value: string) =>
  `https://otx.alienvault.com/indicator/${type === 'ipv4' || type === 'ipv6' ? 'ip' : type}/${encodeURIComponent(value)}`;

function unobserved(type: OtxIndicatorType, value: string): IndicatorOutput {
  return {
    indicator: value,
    type,
    typeTitle: null,
    observed: false,
    pulseCount: 0,
    pulses: [],
    malwareFamilies: [],
    reputation: null,
    validation: [],
    whitelisted: false,
    falsePositive: false,
    link: link(type, value),
  };
}

/** The `general` section of an indicator page. */
export function parseGeneral(type: OtxIndicatorType, value: string, body: unknown): IndicatorOutput {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw invalid('with a body that is not an object');
  const b = body as Record<string, unknown>;
  const info = b['pulse_info'] as Record<string, unknown> | undefined;
  if (!info || typeof info !== 'object' || typeof info['count'] !== 'number')
    throw invalid('an indicator page without "pulse_info.count"');
  const rawPulses = Array.isArray(info['pulses']) ? (info['pulses'] as Record<string, unknown>[]) : [];
  const pulses = rawPulses
    .filter((p) => p && typeof p === 'object')
    .map((p) => ({
      id: text(p['id']) ?? '',
      name: text(p['name']) ?? '(unnamed pulse)',
      tags: strings(p['tags']),
      malwareFamilies: families(p['malware_families']),
      created: text(p['created']),
      modified: text(p['modified']),
      tlp: text(p['TLP']) ?? text(p['tlp']),
      adversary: text(p['adversary']),
    }));
  const related = (info['related'] ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const validation = (Array.isArray(b['validation']) ? (b['validation'] as Record<string, unknown>[]) : [])
    .filter((v) => v && typeof v === 'object')
    .map((v) => ({
      source: text(v['source']) ?? '',
      name: text(v['name']) ?? '',
      message: text(v['message']) ?? '',
    }));
  return {
    ...unobserved(type, text(b['indicator']) ?? value),
    typeTitle: text(b['type_title']),
    observed: true,
    pulseCount: Math.max(0, Math.trunc(info['count'])),
    pulses: pulses.slice(0, PULSES_KEPT),
    malwareFamilies: [
      ...new Set([
        ...pulses.flatMap((p) => p.malwareFamilies),
        ...families(related['alienvault']?.['malware_families']),
        ...families(related['other']?.['malware_families']),
      ]),
    ],
    reputation: typeof b['reputation'] === 'number' ? b['reputation'] : null,
    validation,
    whitelisted: validation.some((v) => v.source === 'whitelist' || /^whitelisted/i.test(v.name)),
    falsePositive: Array.isArray(b['false_positive']) && b['false_positive'].length > 0,
  };
}

async function indicator(context: IntegrationContext, input: IndicatorInput): Promise<IndicatorOutput> {
  const value = input.value.trim();
  const type = input.type ?? inferOtxType(value);
  if (!type)
    throw new ActionError(
      'invalid_input',
      `cannot tell what kind of indicator "${value}" is; give its type`,
      {
        retryable: false,
      },
    );
  const response = await context.http.request({
    path: `/indicators/${OTX_SLUG[type]}/${encodeURIComponent(value)}/general`,
    accept: [404],
  });
  // OTX answers 404 for an indicator it has no page for (typically a URL or hash nobody submitted).
  // Its body is not documented, so the status alone decides; a wrong base URL fails testConnection.
  if (response.status === 404) return unobserved(type, value);
  return parseGeneral(type, value, response.json());
}

export const otx = defineIntegration({
  id: 'otx',
  name: 'AlienVault OTX',
  version: '1.0.0',
  categories: ['threat_intel', 'enrichment'],
  docs: 'https://otx.alienvault.com/api',
  baseUrl: 'https://otx.alienvault.com/api/v1',
  credentials: [
    {
      name: 'api_key',
      label: 'OTX API key',
      secret: true,
      required: true,
      description: 'From https://otx.alienvault.com/api (your OTX key, top right when signed in).',
    },
  ],
  auth: { kind: 'header', header: 'X-OTX-API-KEY', field: 'api_key' },
  // OTX publishes no number we could confirm; about 10,000 requests an hour is what it is reported to allow.
  rateLimit: { requests: 10_000, perSeconds: 3600 },
  // The subscribed-pulses list needs a valid key and costs nothing; one item is enough.
  testConnection: async (context) => {
    const { body } = await context.http.getJson<Record<string, unknown>>('/pulses/subscribed', { limit: 1 });
    if (!Array.isArray(body?.['results'])) throw invalid('/pulses/subscribed without "results"');
  },
  actions: [
    defineAction({
      name: 'indicator',
      title: 'Look up an indicator',
      description:
        'The OTX pulses (community threat reports) an IP, domain, hostname, URL, file hash or CVE appears in, with their tags and malware families, and OTX’s whitelist validation.',
      effect: 'read',
      input: IndicatorInput,
      output: IndicatorOutput,
      cacheTtlSeconds: 6 * 3600,
      enrichment: {
        observable: (input) => {
          const value = input.value.trim();
          const type = input.type ?? inferOtxType(value);
          const observableType = type ? observableTypeOf(type, value) : null;
          return observableType ? observable(observableType, value) : null;
        },
        finding: (output) => otxFinding(output),
      },
      run: (input, context) => indicator(context, input),
    }),
  ],
});
