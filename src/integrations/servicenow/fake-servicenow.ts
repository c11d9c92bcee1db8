import { randomBytes } from 'node:crypto';
import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';

export type FakeServiceNowRecord = Record<string, string>;

export interface FakeServiceNowOptions {
  username?: string;
  password?: string;
  incidents?: FakeServiceNowRecord[];
  /** Fields a data policy makes mandatory on insert (answered 403 "Operation Failed"). */
  mandatory?: string[];
  /** After this many requests every further one answers 429, as an inbound rate-limit rule does. */
  requestsBeforeLimit?: number;
}

export interface FakeServiceNow extends FakeServer {
  incidents: FakeServiceNowRecord[];
}

export const FAKE_SN_USER = 'riposte.integration';
export const FAKE_SN_PASSWORD = 'fake-servicenow-password-8c1e';

const failure = (status: number, message: string, detail: string): FakeReply => ({
  status,
  json: { error: { message, detail }, status: 'failure' },
});

function pick(record: FakeServiceNowRecord, fields: string | null): FakeServiceNowRecord {
  if (!fields) return record;
  return Object.fromEntries(fields.split(',').map((f) => [f, record[f] ?? '']));
}

/** `a=b^c=d` → every condition must hold; only `=` conditions are understood. */
function matches(record: FakeServiceNowRecord, query: string | null): boolean {
  if (!query) return true;
  return query.split('^').every((condition) => {
    const i = condition.indexOf('=');
    return i > 0 && record[condition.slice(0, i)] === condition.slice(i + 1);
  });
}

/**
 * A ServiceNow Table API stand-in for `incident`: Basic auth, GET with sysparm_query / sysparm_limit /
 * sysparm_fields, POST (201), PATCH by sys_id (200, 404), answers wrapped in `{"result":…}`, and the
 * `{"error":{message,detail},"status":"failure"}` bodies with 401, 403 (data policy), 404 and 429.
 */
export async function startFakeServiceNow(options: FakeServiceNowOptions = {}): Promise<FakeServiceNow> {
  const expected = `Basic ${Buffer.from(`${options.username ?? FAKE_SN_USER}:${options.password ?? FAKE_SN_PASSWORD}`).toString('base64')}`;
  const incidents: FakeServiceNowRecord[] = [...(options.incidents ?? [])];
  let served = 0;

  const guard = (handler: (r: FakeRequest) => FakeReply) => (request: FakeRequest) => {
    served++;
    if (options.requestsBeforeLimit !== undefined && served > options.requestsBeforeLimit)
      return {
        ...failure(429, 'Rate limit exceeded', 'Too many requests for this user; see the Retry-After header'),
        headers: { 'retry-after': '45', 'x-ratelimit-limit': '1000', 'x-ratelimit-rule': 'a1b2c3' },
      };
    if (request.headers['authorization'] !== expected)
      return failure(401, 'User Not Authenticated', 'Required to provide Auth information');
    return handler(request);
  };

  const list = (request: FakeRequest): FakeReply => {
    const limit = Number(request.query.get('sysparm_limit') ?? '10000');
    const found = incidents.filter((r) => matches(r, request.query.get('sysparm_query'))).slice(0, limit);
    return { json: { result: found.map((r) => pick(r, request.query.get('sysparm_fields'))) } };
  };

  const insert = (request: FakeRequest): FakeReply => {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      return failure(400, 'Exception while reading request', 'The payload is not valid JSON.');
    }
    const missing = (options.mandatory ?? []).filter((f) => !body[f]);
    if (missing.length > 0)
      return failure(
        403,
        'Operation Failed',
        `Data Policy Exception: \n\tThe following fields are mandatory: ${missing.join(', ')}\n`,
      );
    const record: FakeServiceNowRecord = {
      ...Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)])),
      sys_id: randomBytes(16).toString('hex'),
      number: `INC${String(10_001 + incidents.length).padStart(7, '0')}`,
      state: '1',
      urgency: String(body['urgency'] ?? '3'),
      impact: String(body['impact'] ?? '3'),
    };
    incidents.push(record);
    return { status: 201, json: { result: pick(record, request.query.get('sysparm_fields')) } };
  };

  const patch = (request: FakeRequest): FakeReply => {
    const record = incidents.find((r) => r.sys_id === request.params['sys_id']);
    if (!record)
      return failure(404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
    const body = JSON.parse(request.body || '{}') as Record<string, unknown>;
    for (const [k, v] of Object.entries(body)) record[k] = String(v);
    return { json: { result: pick(record, request.query.get('sysparm_fields')) } };
  };

  const server = await startFakeServer([
    ['GET', '/api/now/table/incident', guard(list)],
    ['POST', '/api/now/table/incident', guard(insert)],
    ['PATCH', '/api/now/table/incident/:sys_id', guard(patch)],
  ]);
  return Object.assign(server, { incidents });
}
