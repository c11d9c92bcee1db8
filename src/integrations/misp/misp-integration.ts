import { ActionError } from '../../core/action.ts';
import { defineIntegration } from '../sdk/integration.ts';
import { mispHttp } from './misp-answer.ts';
import { addSighting } from './add-sighting.ts';
import { searchAttributes } from './search-attributes.ts';

export const mispIntegration = defineIntegration({
  id: 'misp',
  name: 'MISP',
  version: '1.0.0',
  categories: ['threat_intel', 'enrichment', 'case_management'],
  docs: 'https://www.misp-project.org/openapi/',
  // No vendor default: every MISP is self-hosted; the instance's base_url is required (checked per call).
  baseUrl: '',
  credentials: [
    {
      name: 'api_key',
      label: 'API key',
      secret: true,
      required: true,
      description:
        'an auth key of an API-enabled user (My Profile → Auth Keys); sighting needs the sighting permission',
    },
  ],
  auth: { kind: 'header', header: 'Authorization', field: 'api_key' },
  // MISP enforces no quota itself; a self-hosted server deserves restraint.
  rateLimit: { requests: 10, perSeconds: 1 },
  requestTimeoutMs: 30_000,
  async testConnection(context) {
    const { body } = await mispHttp(context).getJson<{ version?: unknown }>('/servers/getVersion');
    if (typeof body?.version !== 'string')
      throw new ActionError('invalid_response', 'MISP /servers/getVersion answered without a version', {
        retryable: false,
      });
  },
  actions: [searchAttributes, addSighting],
});
