import { Type, type Static } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import { defineAction, type IntegrationContext } from '../sdk/integration.ts';
import { falconRequest } from './falcon-session.ts';

/**
 * Prevalence of a file across the fleet, from Falcon's indicator endpoints (IOCs: Read scope):
 * `GET /indicators/aggregates/devices-count/v1?type=&value=` counts the hosts that observed it,
 * `GET /indicators/queries/devices/v1` lists their agent ids, and the Hosts collection names them.
 * Falcon answers 404 (with `errors[].code` 404) when no host has seen the indicator.
 */

export const PrevalenceInput = Type.Object(
  {
    hash: Type.String({
      pattern: '^\\s*([0-9a-fA-F]{32}|[0-9a-fA-F]{64})\\s*$',
      description: 'SHA-256 or MD5 (the file hashes Falcon indicators take)',
    }),
    list_hosts: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100, description: 'hosts to name (default 20; 0: count only)' }),
    ),
  },
  { additionalProperties: false },
);
export type PrevalenceInput = Static<typeof PrevalenceInput>;

export const PrevalenceOutput = Type.Object({
  type: Type.Union([Type.Literal('sha256'), Type.Literal('md5')]),
  value: Type.String(),
  hostCount: Type.Integer({ minimum: 0 }),
  hosts: Type.Array(
    Type.Object({ deviceId: Type.String(), hostname: Type.Union([Type.String(), Type.Null()]) }),
  ),
  /** More hosts saw it than are named in `hosts`. */
  truncated: Type.Boolean(),
});
export type PrevalenceOutput = Static<typeof PrevalenceOutput>;

type Json = Record<string, unknown>;
const resources = (body: unknown): unknown[] => {
  const r = (body as { resources?: unknown } | null)?.resources;
  return Array.isArray(r) ? r : [];
};

async function deviceCount(context: IntegrationContext, type: string, value: string): Promise<number> {
  const response = await falconRequest(context, {
    path: '/indicators/aggregates/devices-count/v1',
    query: { type, value },
    accept: [404],
  });
  if (response.status === 404) return 0;
  const count = (resources(response.json())[0] as Json | undefined)?.['device_count'];
  if (!Number.isInteger(count))
    throw new ActionError('invalid_response', 'CrowdStrike answered devices-count without a device_count', {
      retryable: false,
    });
  return count as number;
}

async function deviceIds(context: IntegrationContext, type: string, value: string, limit: number) {
  const response = await falconRequest(context, {
    path: '/indicators/queries/devices/v1',
    query: { type, value, limit },
    accept: [404],
  });
  if (response.status === 404) return [];
  return resources(response.json()).filter((id): id is string => typeof id === 'string');
}

async function hostnames(context: IntegrationContext, ids: string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const query = ids.map((id) => `ids=${encodeURIComponent(id)}`).join('&');
  const response = await falconRequest(context, {
    path: `/devices/entities/devices/v2?${query}`,
    accept: [404],
  });
  const names = new Map<string, string | null>();
  if (response.status === 404) return names;
  for (const device of resources(response.json()) as Json[])
    if (typeof device?.['device_id'] === 'string')
      names.set(device['device_id'], typeof device['hostname'] === 'string' ? device['hostname'] : null);
  return names;
}

export const hashPrevalence = defineAction({
  name: 'hash_prevalence',
  title: 'Count the hosts that saw a file',
  description:
    'How many Falcon hosts observed a file (SHA-256 or MD5), and which ones (up to list_hosts, named by hostname).',
  effect: 'read',
  input: PrevalenceInput,
  output: PrevalenceOutput,
  // Prevalence moves while an outbreak unfolds: a short cache only spares repeated steps.
  cacheTtlSeconds: 300,
  async run(input, context) {
    const value = input.hash.trim().toLowerCase();
    const type = value.length === 64 ? ('sha256' as const) : ('md5' as const);
    const hostCount = await deviceCount(context, type, value);
    const limit = input.list_hosts ?? 20;
    const ids = hostCount > 0 && limit > 0 ? await deviceIds(context, type, value, limit) : [];
    const names = await hostnames(context, ids);
    return {
      type,
      value,
      hostCount,
      hosts: ids.map((deviceId) => ({ deviceId, hostname: names.get(deviceId) ?? null })),
      truncated: hostCount > ids.length,
    };
  },
});
