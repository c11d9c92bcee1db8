import { Type, type Static } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import { defineAction, defineIntegration, type IntegrationContext } from '../sdk/integration.ts';
import { cveFinding, CveRecord, parseCveAnswer } from './nvd-cve.ts';

export const CVE_ID = '^[Cc][Vv][Ee]-\\d{4}-\\d{4,}$';

export const LookupCveInput = Type.Object(
  { cve: Type.String({ pattern: CVE_ID, maxLength: 32, description: 'CVE-2021-44228' }) },
  { additionalProperties: false },
);
export type LookupCveInput = Static<typeof LookupCveInput>;

/**
 * The NVD answers a refused request with 404 and an empty body; the reason is in a `message` header
 * ("Invalid apiKey.", or the parameter it did not accept). Over the rate limit it answers 403.
 */
function refusal(status: number, message: string | null): ActionError {
  if (status === 403)
    return new ActionError(
      'rate_limited',
      'the NVD answered 403: over its rate limit (5 requests in 30 s without an API key, 50 with one)',
      { retryable: true, retryAfterMs: 30_000 },
    );
  if (message !== null && /api ?key/i.test(message))
    return new ActionError('unauthorized', `the NVD refused the API key: ${message}`, { retryable: false });
  return new ActionError('bad_request', `the NVD answered 404: ${message ?? 'no reason given'}`, {
    retryable: false,
  });
}

async function lookupCve(context: IntegrationContext, input: LookupCveInput): Promise<CveRecord> {
  // The NVD matches ids case-sensitively: cve-2021-44228 would be refused.
  const cve = input.cve.toUpperCase();
  const response = await context.http.request({
    path: '/rest/json/cves/2.0',
    query: { cveId: cve },
    accept: [403, 404],
  });
  if (response.status === 403 || response.status === 404)
    throw refusal(response.status, response.headers.get('message'));
  return parseCveAnswer(cve, response.json());
}

export const nvd = defineIntegration({
  id: 'nvd',
  name: 'NIST National Vulnerability Database (CVE API 2.0)',
  version: '1.0.0',
  categories: ['vulnerability', 'enrichment'],
  docs: 'https://nvd.nist.gov/developers/vulnerabilities',
  baseUrl: 'https://services.nvd.nist.gov',
  credentials: [
    {
      name: 'api_key',
      label: 'API key',
      secret: true,
      required: false,
      description:
        'Optional (https://nvd.nist.gov/developers/request-an-api-key): raises the limit from 5 to 50 requests in 30 s.',
    },
  ],
  auth: { kind: 'header', header: 'apiKey', field: 'api_key' },
  // The public limit; an API key allows ten times more, but the bucket cannot know which it has.
  rateLimit: { requests: 5, perSeconds: 30 },
  requestTimeoutMs: 30_000,
  testConnection: async (context) => {
    const response = await context.http.request({
      path: '/rest/json/cves/2.0',
      query: { resultsPerPage: 1, startIndex: 0 },
      accept: [403, 404],
    });
    if (response.status === 403 || response.status === 404)
      throw refusal(response.status, response.headers.get('message'));
    const body = response.json<{ totalResults?: unknown } | null>();
    if (typeof body?.totalResults !== 'number')
      throw new ActionError('invalid_response', 'the NVD answered without totalResults', {
        retryable: false,
      });
  },
  actions: [
    defineAction({
      name: 'lookup_cve',
      title: 'Look up a CVE',
      description:
        'The NVD record of a CVE: CVSS v3.1 and v4.0 base scores and severities, description, CWEs, whether ' +
        'CISA lists it as known exploited. This product uses data from the NVD API but is not endorsed or ' +
        'certified by the NVD.',
      effect: 'read',
      input: LookupCveInput,
      output: CveRecord,
      // Scores change when the NVD analyses a record; a day is fresh enough for triage.
      cacheTtlSeconds: 24 * 3600,
      timeoutMs: 120_000,
      enrichment: {
        observable: (input) => ({ type: 'cve', value: input.cve.toUpperCase() }),
        finding: cveFinding,
      },
      run: (input, context) => lookupCve(context, input),
    }),
  ],
});
