import { ActionError } from '../../core/action.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { falconMessage, falconRequest } from './falcon-session.ts';

/** Falcon's network-containment states of a host (`status` of the device entity). */
export const FALCON_STATUSES = [
  'normal',
  'containment_pending',
  'contained',
  'lift_containment_pending',
] as const;
export type FalconStatus = (typeof FALCON_STATUSES)[number];

export interface FalconHost {
  deviceId: string;
  hostname: string | null;
  status: FalconStatus;
  lastSeen: string | null;
}

/** How a host is named in an action's input: its agent id, or its hostname. */
export interface HostRef {
  deviceId?: string | undefined;
  hostname?: string | undefined;
}

interface FalconDevice {
  device_id?: unknown;
  hostname?: unknown;
  status?: unknown;
  last_seen?: unknown;
}

function invalid(message: string): ActionError {
  return new ActionError('invalid_response', `CrowdStrike answered ${message}`, { retryable: false });
}

function resourcesOf(body: unknown): unknown[] {
  const resources = (body as { resources?: unknown } | null)?.resources;
  if (resources === null) return [];
  if (!Array.isArray(resources)) throw invalid('without a "resources" array');
  return resources;
}

function toHost(device: FalconDevice): FalconHost {
  const status = String(device.status ?? '').toLowerCase();
  if (typeof device.device_id !== 'string') throw invalid('a device without device_id');
  if (!(FALCON_STATUSES as readonly string[]).includes(status))
    throw invalid(`a device with an unknown containment status "${String(device.status)}"`);
  return {
    deviceId: device.device_id,
    hostname: typeof device.hostname === 'string' ? device.hostname : null,
    status: status as FalconStatus,
    lastSeen: typeof device.last_seen === 'string' ? device.last_seen : null,
  };
}

export function hostLabel(ref: HostRef): string {
  return ref.hostname ?? ref.deviceId ?? '?';
}

/** The agent ids of hosts named exactly so (FQL `hostname:'…'`; the input schema keeps quotes out). */
async function idsByHostname(context: IntegrationContext, hostname: string): Promise<string[]> {
  const response = await falconRequest(context, {
    path: '/devices/queries/devices/v1',
    query: { filter: `hostname:'${hostname}'`, limit: 20 },
  });
  return resourcesOf(response.json()).filter((id): id is string => typeof id === 'string');
}

/**
 * The host an input names, with its containment status. A hostname several agents share (a
 * re-imaged machine keeps its old agent id) resolves to the one seen last: the others are offline.
 */
export async function findHost(context: IntegrationContext, ref: HostRef): Promise<FalconHost> {
  if (!ref.deviceId === !ref.hostname)
    throw new ActionError('invalid_input', 'name the host by exactly one of deviceId or hostname', {
      retryable: false,
    });
  const ids = ref.deviceId ? [ref.deviceId] : await idsByHostname(context, ref.hostname!);
  const notFound = new ActionError('not_found', `CrowdStrike knows no host ${hostLabel(ref)}`, {
    retryable: false,
  });
  if (ids.length === 0) throw notFound;
  // Repeated `ids=` parameters, as the entities endpoint reads them.
  const query = ids.map((id) => `ids=${encodeURIComponent(id)}`).join('&');
  const response = await falconRequest(context, {
    path: `/devices/entities/devices/v2?${query}`,
    accept: [404],
  });
  // Falcon answers 404 when none of the ids exists.
  const hosts =
    response.status === 404
      ? []
      : resourcesOf(response.json())
          .filter((d): d is FalconDevice => typeof d === 'object' && d !== null)
          .map(toHost);
  if (hosts.length === 0) throw notFound;
  return hosts.sort((a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? ''))[0]!;
}

export type FalconHostAction = 'contain' | 'lift_containment';

/** `POST /devices/entities/devices-actions/v2?action_name=…` for one host. */
export async function performHostAction(
  context: IntegrationContext,
  action: FalconHostAction,
  host: FalconHost,
): Promise<void> {
  const response = await falconRequest(context, {
    method: 'POST',
    path: '/devices/entities/devices-actions/v2',
    query: { action_name: action },
    json: { ids: [host.deviceId] },
    accept: [404],
  });
  const body = response.json();
  if (response.status === 404)
    throw new ActionError(
      'not_found',
      `CrowdStrike knows no host ${host.deviceId}: ${falconMessage(body) ?? ''}`,
      {
        retryable: false,
      },
    );
  const done = resourcesOf(body).some((r) => (r as { id?: unknown } | null)?.id === host.deviceId);
  if (!done)
    throw invalid(`${action} without the host in "resources": ${falconMessage(body) ?? 'no reason given'}`);
}
