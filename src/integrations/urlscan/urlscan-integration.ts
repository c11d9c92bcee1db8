import { defineIntegration } from '../sdk/integration.ts';
import { invalidResponse, record, urlscanRequest } from './urlscan-api.ts';
import { result } from './urlscan-result.ts';
import { lookupUrl, search } from './urlscan-search.ts';
import { submit } from './urlscan-submit.ts';

/**
 * urlscan.io API v1 (https://docs.urlscan.io/): search past scans, submit a URL, read a scan's
 * verdict, and look a URL up through its newest scan.
 */
export const urlscan = defineIntegration({
  id: 'urlscan',
  name: 'urlscan.io',
  version: '1.0.0',
  categories: ['threat_intelligence', 'sandbox'],
  docs: 'https://docs.urlscan.io/apis/urlscan-openapi',
  baseUrl: 'https://urlscan.io/api/v1',
  credentials: [
    {
      name: 'api_key',
      label: 'API key',
      secret: true,
      required: true,
      description: 'The UUID-shaped key from urlscan.io → Settings & API.',
    },
  ],
  auth: { kind: 'header', header: 'API-Key', field: 'api_key' },
  // urlscan's quotas are per action and per plan (minute, hour, day; read yours from GET /quotas).
  // One instance-wide pace that stays inside a free account's per-minute windows.
  rateLimit: { requests: 60, perSeconds: 60 },
  requestTimeoutMs: 30_000,
  // GET /quotas checks the key (malformed → 400, unknown → 401) without a search or a scan.
  async testConnection(context) {
    const { body } = await urlscanRequest(context.http, { path: '/quotas' });
    if (typeof record(body)['limits'] !== 'object') throw invalidResponse('GET /quotas', body);
  },
  actions: [search, lookupUrl, submit, result],
});
