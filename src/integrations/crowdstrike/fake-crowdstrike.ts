import { randomBytes, randomUUID } from 'node:crypto';
import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';
import type { FalconStatus } from './falcon-hosts.ts';
import { fakeFalconAlerts, type FakeFalconAlert, type FakeFalconAlerts } from './fake-falcon-alerts.ts';

export interface FakeFalconHost {
  deviceId: string;
  hostname: string;
  status?: FalconStatus;
  lastSeen?: string;
  platformName?: string;
}

/** A way for one hostname's lookup to misbehave. */
export type FakeFalconFault = 'server_error' | 'html';

export interface FakeCrowdStrikeOptions {
  clientId?: string;
  clientSecret?: string;
  hosts?: FakeFalconHost[];
  /** Seconds a token lives (Falcon: 1799). */
  tokenLifetime?: number;
  /** Requests allowed with a valid token before 429 (Falcon: 6,000 a minute). */
  requestLimit?: number;
  /** Seconds from the 429 to `X-RateLimit-RetryAfter`. */
  retryAfterSeconds?: number;
  faults?: Record<string, FakeFalconFault>;
  /** Hosts (agent ids) that observed an indicator, keyed `type:value` (`sha256:ab…`). */
  observed?: Record<string, string[]>;
  /** Alerts of the Alerts API. */
  alerts?: FakeFalconAlert[];
}

export interface FakeCrowdStrike extends FakeServer {
  clientId: string;
  clientSecret: string;
  /** A host's containment status as the console would show it now. */
  status(deviceId: string): FalconStatus | undefined;
  /** Forget every issued token, as a revocation or an expired session does. */
  revokeTokens(): void;
  /** Tokens issued so far. */
  tokensIssued(): number;
  /** The Alerts API's alerts: add or update them, make the query misbehave. */
  alertStore: FakeFalconAlerts;
}

// Falcon's gateway envelope (401 body as recorded in CrowdStrike/falconpy#130).
const envelope = (extra: Record<string, unknown>, poweredBy = 'crowdstrike-api-gateway') => ({
  meta: { query_time: 0.000_012_3, powered_by: poweredBy, trace_id: randomUUID() },
  ...extra,
});
const failure = (status: number, message: string, headers?: Record<string, string>): FakeReply => ({
  status,
  json: envelope({ errors: [{ code: status, message }] }),
  ...(headers ? { headers } : {}),
});

const PENDING: Partial<Record<FalconStatus, FalconStatus>> = {
  containment_pending: 'contained',
  lift_containment_pending: 'normal',
};

/**
 * A stand-in for the Falcon API's OAuth2 token endpoint, the Hosts collection (device query,
 * device details, containment actions), the indicator prevalence endpoints and the Alerts API. Containment is stateful: an action leaves the host pending,
 * and the sensor "acknowledges" it after the next read of the host.
 */
export async function startFakeCrowdStrike(options: FakeCrowdStrikeOptions = {}): Promise<FakeCrowdStrike> {
  const clientId = options.clientId ?? randomBytes(16).toString('hex');
  const clientSecret = options.clientSecret ?? randomBytes(20).toString('base64url');
  const hosts = new Map(
    (options.hosts ?? []).map((h) => [h.deviceId, { ...h, status: h.status ?? ('normal' as FalconStatus) }]),
  );
  const tokens = new Map<string, number>();
  let issued = 0;
  let used = 0;
  const alertStore = fakeFalconAlerts(options.alerts);

  const token = (request: FakeRequest): FakeReply => {
    const form = new URLSearchParams(request.body);
    if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret)
      return failure(403, 'access denied, authorization failed');
    const value = randomBytes(24).toString('base64url');
    const lifetime = options.tokenLifetime ?? 1799;
    tokens.set(value, Date.now() + lifetime * 1000);
    issued++;
    return { status: 201, json: { access_token: value, token_type: 'bearer', expires_in: lifetime } };
  };

  /** Bearer check and quota, as the gateway applies them before any collection. */
  const guarded =
    (handler: (request: FakeRequest) => FakeReply) =>
    (request: FakeRequest): FakeReply => {
      const bearer = /^Bearer (.+)$/.exec(String(request.headers['authorization'] ?? ''))?.[1];
      const expiry = bearer ? tokens.get(bearer) : undefined;
      if (!expiry || expiry < Date.now()) return failure(401, 'access denied, invalid bearer token');
      const limit = options.requestLimit ?? 6000;
      if (used >= limit) {
        const retryAt = Math.ceil(Date.now() / 1000) + (options.retryAfterSeconds ?? 60);
        return failure(429, 'API rate limit exceeded.', {
          'x-ratelimit-limit': String(limit),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-retryafter': String(retryAt),
        });
      }
      used++;
      return {
        headers: { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': String(limit - used) },
        ...handler(request),
      };
    };

  const queryDevices = (request: FakeRequest): FakeReply => {
    const filter = request.query.get('filter');
    const limit = Number(request.query.get('limit') ?? '100');
    let ids = [...hosts.values()];
    if (filter !== null) {
      const name = /^hostname:'([^']*)'$/.exec(filter)?.[1];
      if (name === undefined) return failure(400, `Invalid filter: ${filter}`);
      const fault = options.faults?.[name];
      if (fault === 'server_error')
        return {
          status: 500,
          text: '<html><body><h1>500 Internal Server Error</h1></body></html>',
          headers: { 'content-type': 'text/html' },
        };
      if (fault === 'html')
        return {
          text: '<!DOCTYPE html><html><body>Maintenance</body></html>',
          headers: { 'content-type': 'text/html' },
        };
      ids = ids.filter((h) => h.hostname.toLowerCase() === name.toLowerCase());
    }
    const resources = ids.slice(0, limit).map((h) => h.deviceId);
    return {
      json: {
        meta: {
          query_time: 0.004,
          pagination: { offset: 0, limit, total: ids.length },
          powered_by: 'device-api',
          trace_id: randomUUID(),
        },
        resources,
        errors: [],
      },
    };
  };

  const deviceDetails = (request: FakeRequest): FakeReply => {
    const found = request.query.getAll('ids').flatMap((id) => {
      const host = hosts.get(id);
      return host ? [host] : [];
    });
    if (found.length === 0)
      return {
        status: 404,
        json: envelope({ resources: [], errors: [{ code: 404, message: 'Not Found' }] }, 'device-api'),
      };
    const resources = found.map((h) => ({
      device_id: h.deviceId,
      cid: '0123456789abcdef0123456789abcdef',
      hostname: h.hostname,
      platform_name: h.platformName ?? 'Windows',
      status: h.status,
      last_seen: h.lastSeen ?? '2024-05-01T12:00:00Z',
    }));
    // The sensor acknowledges a pending action after it has been seen once.
    for (const h of found) h.status = PENDING[h.status] ?? h.status;
    return { json: envelope({ resources, errors: [] }, 'device-api') };
  };

  const deviceAction = (request: FakeRequest): FakeReply => {
    const action = request.query.get('action_name');
    if (action !== 'contain' && action !== 'lift_containment')
      return failure(400, `Invalid action_name: ${String(action)}`);
    let ids: unknown;
    try {
      ids = (JSON.parse(request.body) as { ids?: unknown }).ids;
    } catch {
      return failure(400, 'Invalid JSON in request body');
    }
    if (!Array.isArray(ids) || ids.length === 0) return failure(400, 'ids is required');
    const unknown = ids.filter((id) => !hosts.has(String(id)));
    if (unknown.length > 0) return failure(404, `Could not find device ids: ${unknown.join(', ')}`);
    for (const id of ids) {
      const host = hosts.get(String(id))!;
      if (action === 'contain' && host.status !== 'contained') host.status = 'containment_pending';
      if (action === 'lift_containment' && host.status !== 'normal') host.status = 'lift_containment_pending';
    }
    return {
      status: 202,
      json: envelope({ resources: ids.map((id) => ({ id, path: '' })), errors: [] }, 'device-api'),
    };
  };

  /** Falcon's indicator endpoints take `type` and `value`; none observed is a 404 with an errors entry. */
  const observedBy = (request: FakeRequest): string[] | FakeReply => {
    const type = request.query.get('type');
    const value = request.query.get('value');
    if (!type || !value) return failure(400, 'type and value are required');
    if (!['sha256', 'md5', 'domain', 'ipv4', 'ipv6'].includes(type))
      return failure(400, `Invalid indicator type: ${type}`);
    const ids = options.observed?.[`${type}:${value.toLowerCase()}`] ?? [];
    return ids.length > 0
      ? ids
      : {
          status: 404,
          json: envelope({
            resources: [],
            errors: [{ code: 404, message: `No results found for ${type} - ${value}` }],
          }),
        };
  };

  const devicesCount = (request: FakeRequest): FakeReply => {
    const ids = observedBy(request);
    if (!Array.isArray(ids)) return ids;
    const type = request.query.get('type')!;
    const value = request.query.get('value')!;
    return {
      json: envelope({
        resources: [{ id: `${type}:${value}`, type, value, device_count: ids.length }],
        errors: [],
      }),
    };
  };

  const devicesRanOn = (request: FakeRequest): FakeReply => {
    const ids = observedBy(request);
    if (!Array.isArray(ids)) return ids;
    const limit = Number(request.query.get('limit') ?? '100');
    const offset = Number(request.query.get('offset') ?? '0');
    return {
      json: {
        meta: {
          query_time: 0.01,
          pagination: { offset, limit, total: ids.length },
          powered_by: 'ioc-api',
          trace_id: randomUUID(),
        },
        resources: ids.slice(offset, offset + limit),
        errors: [],
      },
    };
  };

  const server = await startFakeServer([
    ['GET', '/alerts/queries/alerts/v2', guarded((r) => alertStore.query(r))],
    ['POST', '/alerts/entities/alerts/v2', guarded((r) => alertStore.entities(r))],
    ['GET', '/indicators/aggregates/devices-count/v1', guarded(devicesCount)],
    ['GET', '/indicators/queries/devices/v1', guarded(devicesRanOn)],
    ['POST', '/oauth2/token', token],
    ['GET', '/devices/queries/devices/v1', guarded(queryDevices)],
    ['GET', '/devices/entities/devices/v2', guarded(deviceDetails)],
    ['POST', '/devices/entities/devices-actions/v2', guarded(deviceAction)],
  ]);
  return Object.assign(server, {
    clientId,
    clientSecret,
    status: (deviceId: string) => hosts.get(deviceId)?.status,
    revokeTokens: () => tokens.clear(),
    tokensIssued: () => issued,
    alertStore,
  });
}
