import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import {
  defineAction,
  defineIntegration,
  type EnrichmentFinding,
  type IntegrationContext,
} from '../sdk/integration.ts';
import { KevCatalogCache, parseKevCatalog, type KevCatalog } from './kev-catalog.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const KEV_BASE_URL = 'https://www.cisa.gov';
export const KEV_PATH = '/sites/default/files/feeds/known_exploited_vulnerabilities.json';

export const LookupCveInput = Type.Object(
  {
    cve: Type.String({
      pattern: '^[Cc][Vv][Ee]-\\d{4}-\\d{4,}$',
      maxLength: 32,
      description: 'CVE-2021-44228',
    }),
  },
  { additionalProperties: false },
);
export type LookupCveInput = Static<typeof LookupCveInput>;

export const KevLookupOutput = Type.Object({
  cve: Type.String(),
  known_exploited: Type.Boolean(),
  vendor_project: Nullable(Type.String()),
  product: Nullable(Type.String()),
  name: Nullable(Type.String()),
  /** YYYY-MM-DD: when CISA added it. */
  date_added: Nullable(Type.String()),
  /** YYYY-MM-DD: the remediation deadline CISA set for US federal agencies. */
  due_date: Nullable(Type.String()),
  required_action: Nullable(Type.String()),
  short_description: Nullable(Type.String()),
  /** `Known` when CISA knows of ransomware campaigns using it, else `Unknown`. */
  known_ransomware_use: Nullable(Type.String()),
  notes: Nullable(Type.String()),
  cwes: Type.Array(Type.String()),
  catalog: Type.Object({
    version: Type.String(),
    released: Type.String(),
    count: Type.Integer(),
    /** The last refresh failed: this is the catalog held from before. */
    stale: Type.Boolean(),
  }),
});
export type KevLookupOutput = Static<typeof KevLookupOutput>;

const DEFAULT_REFRESH_HOURS = 6;

async function download(context: IntegrationContext, previous: KevCatalog | undefined): Promise<KevCatalog> {
  const headers: Record<string, string> = {};
  if (previous?.etag) headers['if-none-match'] = previous.etag;
  if (previous?.lastModified) headers['if-modified-since'] = previous.lastModified;
  const response = await context.http.request({ path: KEV_PATH, headers, accept: [304] });
  if (response.status === 304) {
    if (!previous)
      throw new ActionError('invalid_response', 'the KEV feed answered 304 to an unconditional request');
    return previous;
  }
  return parseKevCatalog(
    response.json(),
    response.headers.get('etag'),
    response.headers.get('last-modified'),
  );
}

function refreshMs(context: IntegrationContext): number {
  const raw = context.fields['refresh_hours'];
  const hours = raw === undefined || raw === '' ? DEFAULT_REFRESH_HOURS : Number(raw);
  if (!Number.isFinite(hours) || hours <= 0 || hours > 168)
    throw new ActionError(
      'invalid_configuration',
      `refresh_hours must be a number of hours from 0 to 168, not "${raw}"`,
      {
        retryable: false,
      },
    );
  return hours * 3_600_000;
}

export function kevFinding(output: KevLookupOutput): EnrichmentFinding {
  if (!output.known_exploited) return { verdict: 'unknown', score: null, summary: 'not in CISA KEV' };
  const ransomware = output.known_ransomware_use === 'Known' ? ', used by ransomware' : '';
  return {
    verdict: 'unknown',
    score: null,
    summary: `CISA KEV since ${output.date_added ?? '?'} (due ${output.due_date ?? '?'})${ransomware}`,
  };
}

/** The CISA KEV integration; `cache` is swapped only by tests (a clock of their own). */
export function cisaKevIntegration(cache = new KevCatalogCache()) {
  return defineIntegration({
    id: 'cisa_kev',
    name: 'CISA Known Exploited Vulnerabilities',
    version: '1.0.0',
    categories: ['vulnerability', 'enrichment'],
    docs: 'https://www.cisa.gov/known-exploited-vulnerabilities-catalog',
    baseUrl: KEV_BASE_URL,
    credentials: [
      {
        name: 'refresh_hours',
        label: 'Refresh every (hours)',
        secret: false,
        required: false,
        default: String(DEFAULT_REFRESH_HOURS),
        description: 'How long the downloaded catalog is used before it is asked for again (conditionally).',
      },
    ],
    auth: { kind: 'none' },
    rateLimit: { requests: 10, perSeconds: 60 },
    requestTimeoutMs: 60_000,
    testConnection: async (context) => {
      await download(context, undefined);
    },
    actions: [
      defineAction({
        name: 'lookup_cve',
        title: 'Is a CVE known exploited?',
        description:
          'Looks a CVE up in CISA’s Known Exploited Vulnerabilities catalog: when it was added, the ' +
          'remediation due date, the required action and known ransomware use. The catalog is downloaded ' +
          'once and kept in memory, refreshed every refresh_hours.',
        effect: 'read',
        input: LookupCveInput,
        output: KevLookupOutput,
        timeoutMs: 120_000,
        enrichment: {
          observable: (input) => ({ type: 'cve', value: input.cve.toUpperCase() }),
          finding: kevFinding,
        },
        run: async (input, context) => {
          const cve = input.cve.toUpperCase();
          const key = `${context.instance}|${context.fields['base_url'] ?? KEV_BASE_URL}`;
          const { catalog, stale } = await cache.get(key, refreshMs(context), (previous) =>
            download(context, previous),
          );
          const entry = catalog.entries.get(cve);
          return {
            cve,
            known_exploited: entry !== undefined,
            vendor_project: entry?.vendorProject ?? null,
            product: entry?.product ?? null,
            name: entry?.vulnerabilityName ?? null,
            date_added: entry?.dateAdded ?? null,
            due_date: entry?.dueDate ?? null,
            required_action: entry?.requiredAction ?? null,
            short_description: entry?.shortDescription ?? null,
            known_ransomware_use: entry?.knownRansomwareCampaignUse ?? null,
            notes: entry?.notes ?? null,
            cwes: entry?.cwes ?? [],
            catalog: {
              version: catalog.version,
              released: catalog.released,
              count: catalog.entries.size,
              stale,
            },
          };
        },
      }),
    ],
  });
}

export const cisaKev = cisaKevIntegration();
