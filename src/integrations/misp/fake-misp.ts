import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';

/** One attribute the fake MISP holds; everything but `value` and `type` gets a plausible default. */
export interface FakeMispAttribute {
  value: string;
  type: string;
  category?: string;
  toIds?: boolean;
  eventId?: string;
  eventInfo?: string;
  comment?: string;
  tags?: string[];
  deleted?: boolean;
}

export interface FakeMispOptions {
  /** The API key the fake accepts in `Authorization` (default `test-misp-key`). */
  apiKey?: string;
  attributes?: FakeMispAttribute[];
  /** After this many requests every further one answers 429 (as a reverse proxy in front of MISP would). */
  requestsBeforeLimit?: number;
  /** Answers a request instead of the API when it returns a reply (fault injection, recorded samples). */
  intercept?: (request: FakeRequest) => FakeReply | undefined;
}

export interface FakeMisp extends FakeServer {
  /** Sightings added so far, as MISP stores them. */
  sightings: Record<string, string>[];
}

const AUTH_FAILED =
  'Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.';
const TYPES: Record<string, string> = { '0': 'sighting', '1': 'false-positive', '2': 'expiration' };

/**
 * A MISP REST stand-in (https://www.misp-project.org/openapi/): `Authorization: <key>`, JSON only when
 * asked with `Accept: application/json` (MISP answers HTML otherwise), POST /attributes/restSearch
 * (`value` with `%` wildcards, `type`, `limit`, 1-based `page`) answering `{"response":{"Attribute":[…]}}`,
 * POST /sightings/add[/{id}], POST /sightings/restSearch (by `source`), GET /servers/getVersion, and
 * MISP's error bodies (`{name, message, url}`, 403 for a bad key and for a refused save).
 */
export async function startFakeMisp(options: FakeMispOptions = {}): Promise<FakeMisp> {
  const apiKey = options.apiKey ?? 'test-misp-key';
  const attributes = (options.attributes ?? []).map((a, i) => attribute(a, String(1000 + i)));
  const sightings: Record<string, string>[] = [];
  let served = 0;

  const guard =
    (handler: (request: FakeRequest, body: Record<string, unknown>) => FakeReply) =>
    (request: FakeRequest) => {
      const intercepted = options.intercept?.(request);
      if (intercepted) return intercepted;
      served++;
      if (options.requestsBeforeLimit !== undefined && served > options.requestsBeforeLimit)
        return { status: 429, headers: { 'retry-after': '60' }, text: 'Too Many Requests' };
      if (!String(request.headers['accept'] ?? '').includes('application/json'))
        return {
          text: '<!DOCTYPE html><html><title>Users - MISP</title></html>',
          headers: { 'content-type': 'text/html' },
        };
      if (request.headers['authorization'] !== apiKey)
        return { status: 403, json: { name: AUTH_FAILED, message: AUTH_FAILED, url: request.path } };
      let body: Record<string, unknown> = {};
      if (request.body) {
        try {
          body = JSON.parse(request.body) as Record<string, unknown>;
        } catch {
          return { status: 400, json: { name: 'Bad Request', message: 'Bad Request', url: request.path } };
        }
      }
      return handler(request, body);
    };

  const server = await startFakeServer([
    [
      'GET',
      '/servers/getVersion',
      guard(() => ({
        json: {
          version: '2.4.190',
          pymisp_recommended_version: '2.4.190',
          perm_sync: false,
          perm_sighting: true,
        },
      })),
    ],
    [
      'POST',
      '/attributes/restSearch',
      guard((_request, body) => {
        const matches = attributes.filter(
          (a) =>
            a.deleted === false &&
            (body['value'] === undefined || like(String(body['value']), a.value)) &&
            (body['type'] === undefined || body['type'] === a.type),
        );
        const limit = Number(body['limit'] ?? 0);
        const page = Math.max(1, Number(body['page'] ?? 1));
        const window = limit > 0 ? matches.slice((page - 1) * limit, page * limit) : matches;
        return { json: { response: { Attribute: window } } };
      }),
    ],
    ['POST', '/sightings/add', guard((request, body) => addSighting(request, body, undefined))],
    [
      'POST',
      '/sightings/add/:id',
      guard((request, body) => addSighting(request, body, request.params['id'])),
    ],
    [
      'POST',
      '/sightings/restSearch',
      guard((_request, body) => ({
        json: sightings
          .filter((s) => body['source'] === undefined || s['source'] === body['source'])
          .map((s) => ({ Sighting: s })),
      })),
    ],
  ]);

  function addSighting(
    request: FakeRequest,
    body: Record<string, unknown>,
    id: string | undefined,
  ): FakeReply {
    const values =
      body['value'] !== undefined ? [String(body['value'])] : ((body['values'] as string[]) ?? []);
    const targets = attributes.filter(
      (a) =>
        a.deleted === false && (id !== undefined ? a.id === id || a.uuid === id : values.includes(a.value)),
    );
    if (targets.length === 0) {
      const errors = 'No valid attributes found that match the criteria.';
      return {
        status: 403,
        json: {
          saved: false,
          name: 'Could not add Sighting',
          message: 'Could not add Sighting',
          url: request.path,
          errors,
        },
      };
    }
    const type = String(body['type'] ?? '0');
    let first: Record<string, string> | undefined;
    for (const target of targets) {
      const sighting = {
        id: String(sightings.length + 1),
        attribute_id: target.id,
        event_id: target.event_id,
        org_id: '1',
        date_sighting: String(body['timestamp'] ?? Math.floor(Date.now() / 1000)),
        uuid: `5f0c${String(sightings.length + 1).padStart(4, '0')}-0000-4000-8000-000000000000`,
        source: String(body['source'] ?? ''),
        type: TYPES[type] ? type : '0',
        attribute_uuid: target.uuid,
      };
      sightings.push(sighting);
      first ??= sighting;
    }
    return { json: { Sighting: first } };
  }

  return Object.assign(server, { sightings });
}

/** MISP's value filter: exact, or SQL LIKE when it carries `%`. */
function like(pattern: string, value: string): boolean {
  if (!pattern.includes('%')) return pattern === value;
  const regex = pattern
    .split('%')
    .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${regex}$`, 'i').test(value);
}

function attribute(a: FakeMispAttribute, id: string) {
  const eventId = a.eventId ?? '42';
  return {
    id,
    event_id: eventId,
    object_id: '0',
    object_relation: null,
    category: a.category ?? 'Network activity',
    type: a.type,
    to_ids: a.toIds ?? true,
    uuid: `5f0c${id.padStart(4, '0')}-1111-4000-8000-000000000000`,
    timestamp: '1714644672',
    distribution: '5',
    sharing_group_id: '0',
    comment: a.comment ?? '',
    deleted: a.deleted ?? false,
    disable_correlation: false,
    first_seen: null,
    last_seen: null,
    value: a.value,
    Event: {
      org_id: '1',
      distribution: '1',
      id: eventId,
      info: a.eventInfo ?? 'Phishing campaign',
      orgc_id: '1',
      uuid: '5f0c0042-2222-4000-8000-000000000000',
    },
    ...(a.tags
      ? { Tag: a.tags.map((name, i) => ({ id: String(i + 1), name, colour: '#004646', exportable: true })) }
      : {}),
  };
}
