import { defineIntegration } from '../sdk/integration.ts';
import { getObject } from './virustotal-api.ts';
import { lookupDomain, lookupFile, lookupIp, lookupUrl } from './virustotal-lookups.ts';
import { submitFile, submitUrl } from './virustotal-submissions.ts';

/**
 * VirusTotal API v3 (https://docs.virustotal.com/reference/overview): reputation lookups of
 * files, IPs, domains and URLs, and URL/file submissions that wait for their analysis.
 */
export const virustotal = defineIntegration({
  id: 'virustotal',
  name: 'VirusTotal',
  version: '1.0.0',
  categories: ['threat_intelligence', 'sandbox'],
  docs: 'https://docs.virustotal.com/reference/overview',
  baseUrl: 'https://www.virustotal.com/api/v3',
  credentials: [
    {
      name: 'api_key',
      label: 'API key',
      secret: true,
      required: true,
      description: 'The key shown under your VirusTotal profile → API key.',
    },
  ],
  auth: { kind: 'header', header: 'x-apikey', field: 'api_key' },
  // The public API: 4 requests per minute (and 500 a day). A premium key raises it per instance with the
  // instance field requests_per_minute.
  rateLimit: { requests: 4, perSeconds: 60 },
  requestTimeoutMs: 30_000,
  // One authenticated lookup: a wrong key answers 401, a key that works answers 200 or NotFoundError.
  async testConnection(context) {
    await getObject(context.http, '/ip_addresses/8.8.8.8');
  },
  actions: [lookupFile, lookupIp, lookupDomain, lookupUrl, submitUrl, submitFile],
});
