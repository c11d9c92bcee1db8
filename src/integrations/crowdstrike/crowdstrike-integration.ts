import { Type, type Static } from '@sinclair/typebox';
import type { IntegrationContext } from '../sdk/integration.ts';
import { defineAction, defineIntegration } from '../sdk/integration.ts';
import {
  FALCON_STATUSES,
  findHost,
  hostLabel,
  performHostAction,
  type FalconStatus,
} from './falcon-hosts.ts';
import { hashPrevalence } from './falcon-indicators.ts';
import { falconRequest } from './falcon-session.ts';
import { crowdstrikeAlertFeed } from './crowdstrike-alert-feed.ts';

/** Host names as Falcon stores them; the pattern also keeps quotes out of the FQL filter. */
const HOSTNAME = '^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$';

export const HostInput = Type.Object(
  {
    hostname: Type.Optional(
      Type.String({ pattern: HOSTNAME, description: 'The host name Falcon reports (exact match)' }),
    ),
    deviceId: Type.Optional(
      Type.String({ pattern: '^[0-9a-fA-F]{32}$', description: 'The Falcon agent id (AID)' }),
    ),
  },
  { additionalProperties: false, description: 'Exactly one of hostname or deviceId' },
);
export type HostInput = Static<typeof HostInput>;

export const ContainmentOutput = Type.Object({
  deviceId: Type.String(),
  hostname: Type.Union([Type.String(), Type.Null()]),
  /** The containment status before this step. */
  previousStatus: Type.Union(FALCON_STATUSES.map((s) => Type.Literal(s))),
  /** False when the host was already in (or on its way to) the requested state: nothing was sent. */
  requested: Type.Boolean(),
});
export type ContainmentOutput = Static<typeof ContainmentOutput>;

const CONTAINED: readonly FalconStatus[] = ['contained', 'containment_pending'];
const RELEASED: readonly FalconStatus[] = ['normal', 'lift_containment_pending'];

/**
 * Contains or releases a host unless it is already in (or on its way to) that state: a retry after a
 * crash finds the pending status and sends nothing twice.
 */
async function setContainment(
  context: IntegrationContext,
  input: HostInput,
  contain: boolean,
): Promise<ContainmentOutput> {
  const host = await findHost(context, input);
  const done = (contain ? CONTAINED : RELEASED).includes(host.status);
  if (!done) await performHostAction(context, contain ? 'contain' : 'lift_containment', host);
  return { deviceId: host.deviceId, hostname: host.hostname, previousStatus: host.status, requested: !done };
}

const hostTarget = (input: HostInput) => ({ type: 'host' as const, value: hostLabel(input) });

export const crowdstrike = defineIntegration({
  id: 'crowdstrike',
  name: 'CrowdStrike Falcon',
  version: '1.0.0',
  categories: ['edr', 'response'],
  docs: 'https://developer.crowdstrike.com/api-reference/collections/hosts/',
  baseUrl: 'https://api.crowdstrike.com',
  credentials: [
    {
      name: 'client_id',
      label: 'API client ID',
      secret: false,
      required: true,
      description:
        'An API client with the Hosts: Read and Write scopes (IOCs: Read for hash_prevalence, Alerts: Read to pull alerts).',
    },
    { name: 'client_secret', label: 'API client secret', secret: true, required: true },
  ],
  // The bearer token is the connector's own (OAuth2 client credentials, see falcon-session.ts).
  auth: { kind: 'none' },
  // Falcon's documented default: 6,000 requests a minute per customer account.
  rateLimit: { requests: 6000, perSeconds: 60 },
  testConnection: async (context) => {
    await falconRequest(context, { path: '/devices/queries/devices/v1', query: { limit: 1 } });
  },
  actions: [
    defineAction({
      name: 'contain_host',
      title: 'Contain a host',
      description:
        'Network-contains a host (Falcon keeps only its own cloud connection). Does nothing when the host is already contained or containment is pending.',
      effect: 'destructive',
      input: HostInput,
      output: ContainmentOutput,
      // RE&CT has no host-isolation action (checked against RS0003 Containment): no id.
      target: hostTarget,
      inverse: 'lift_containment',
      // The agent id, not the name: the rollback must release this very host.
      inverseInput: (_input, output) => ({ deviceId: output.deviceId }),
      alreadyApplied: async (input, context) => CONTAINED.includes((await findHost(context, input)).status),
      run: (input, context) => setContainment(context, input, true),
    }),
    defineAction({
      name: 'lift_containment',
      title: 'Lift a host’s containment',
      description:
        'Restores a contained host’s network. Does nothing when the host is not contained or the lift is pending.',
      effect: 'write',
      input: HostInput,
      output: ContainmentOutput,
      target: hostTarget,
      inverse: 'contain_host',
      inverseInput: (_input, output) => ({ deviceId: output.deviceId }),
      alreadyApplied: async (input, context) => RELEASED.includes((await findHost(context, input)).status),
      run: (input, context) => setContainment(context, input, false),
    }),
    hashPrevalence,
  ],
  feed: crowdstrikeAlertFeed,
});
