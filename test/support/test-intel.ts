import { Type } from '@sinclair/typebox';
import { defineAction, defineIntegration } from '../../src/integrations/sdk/integration.ts';
import { startFakeServer, type FakeServer } from '../../src/integrations/sdk/fake-server.ts';

/**
 * A small reputation service for end-to-end tests of the integration runtime (instances, cache,
 * findings, secrets): `GET /v1/ip/{ip}` with header `X-Key`, scores from a map.
 */
export const testIntel = defineIntegration({
  id: 'testintel',
  name: 'Test intel',
  version: '1.0.0',
  categories: ['threat-intelligence'],
  docs: 'https://example.invalid/docs',
  baseUrl: 'https://intel.example.invalid',
  credentials: [{ name: 'api_key', label: 'API key', secret: true, required: true }],
  auth: { kind: 'header', header: 'X-Key', field: 'api_key' },
  rateLimit: { requests: 100, perSeconds: 1 },
  testConnection: async ({ http }) => {
    await http.getJson('/v1/me');
  },
  actions: [
    defineAction({
      name: 'lookup_ip',
      title: 'Look up an IP',
      description: 'Reputation of an IPv4 address.',
      effect: 'read',
      input: Type.Object({ ip: Type.String() }, { additionalProperties: false }),
      output: Type.Object({ ip: Type.String(), score: Type.Number(), found: Type.Boolean() }),
      cacheTtlSeconds: 3600,
      enrichment: {
        observable: (input) => ({ type: 'ipv4', value: input.ip }),
        finding: (output) =>
          !output.found
            ? { verdict: 'unknown', score: null }
            : {
                verdict: output.score >= 50 ? 'malicious' : 'benign',
                score: output.score,
                summary: `score ${output.score}`,
              },
      },
      run: async (input, { http }) => {
        const { status, body } = await http.getJson<{ score: number }>(
          `/v1/ip/${input.ip}`,
          undefined,
          [404],
        );
        return status === 404
          ? { ip: input.ip, score: 0, found: false }
          : { ip: input.ip, score: body.score, found: true };
      },
    }),
  ],
});

export async function startTestIntel(scores: Record<string, number>, key: string): Promise<FakeServer> {
  const unauthorized = { status: 401, json: { error: 'bad key' } };
  return startFakeServer([
    ['GET', '/v1/me', (r) => (r.headers['x-key'] === key ? { json: { ok: true } } : unauthorized)],
    [
      'GET',
      '/v1/ip/:ip',
      (r) => {
        if (r.headers['x-key'] !== key) return unauthorized;
        const score = scores[r.params['ip']!];
        return score === undefined ? { status: 404, json: { error: 'unknown ip' } } : { json: { score } };
      },
    ],
  ]);
}
