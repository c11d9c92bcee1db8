import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';

export interface FakeHiveCase {
  _id: string;
  _type: 'Case';
  number: number;
  title: string;
  description: string;
  severity: number;
  tlp: number;
  pap: number;
  tags: string[];
  flag: boolean;
  status: string;
  _createdAt: number;
  _createdBy: string;
}

export interface FakeTheHiveOptions {
  apiKey?: string;
  /** Organisations the key's user belongs to; with more than one, X-Organisation picks (default the first). */
  organisations?: string[];
  cases?: FakeHiveCase[];
  requestsBeforeLimit?: number;
  /** Answers an authenticated request instead of the API when it returns a reply (fault injection). */
  intercept?: (request: FakeRequest) => FakeReply | undefined;
}

export interface FakeTheHive extends FakeServer {
  cases: FakeHiveCase[];
}

export const FAKE_HIVE_KEY = 'fake-thehive-api-key-4b1d2c';

const hiveError = (status: number, type: string, message: string): FakeReply => ({
  status,
  json: { type, message },
});

type Filter = { _eq?: { _field?: string; _value?: unknown } };

/**
 * A TheHive 5 stand-in: `Authorization: Bearer <key>`, POST /api/v1/case (201, the case with `_id`,
 * `number`, …), POST /api/v1/query with `listCase`, a `filter` step (`_eq` on a field; `tags` matches
 * any tag) and a `page` step, GET /api/v1/user/current, and `{"type","message"}` errors.
 */
export async function startFakeTheHive(options: FakeTheHiveOptions = {}): Promise<FakeTheHive> {
  const key = options.apiKey ?? FAKE_HIVE_KEY;
  const organisations = options.organisations ?? ['SOC'];
  const cases: FakeHiveCase[] = [...(options.cases ?? [])];
  let served = 0;

  const guard = (handler: (r: FakeRequest) => FakeReply) => (request: FakeRequest) => {
    served++;
    if (options.requestsBeforeLimit !== undefined && served > options.requestsBeforeLimit)
      return { status: 429, headers: { 'retry-after': '20' }, text: 'Too Many Requests' };
    if (request.headers['authorization'] !== `Bearer ${key}`)
      return hiveError(401, 'AuthenticationError', 'Authentication failure');
    const org = request.headers['x-organisation'];
    if (typeof org === 'string' && !organisations.includes(org))
      return hiveError(403, 'AuthorizationError', `Organisation ${org} not found or not accessible`);
    return options.intercept?.(request) ?? handler(request);
  };

  const query = (request: FakeRequest): FakeReply => {
    const steps = (
      JSON.parse(request.body || '{}') as {
        query?: ({ _name?: string } & Filter & { from?: number; to?: number })[];
      }
    ).query;
    if (!Array.isArray(steps) || steps[0]?._name !== 'listCase')
      return hiveError(400, 'BadRequest', 'Invalid query: the first operation must select entities');
    let found = [...cases];
    for (const step of steps.slice(1)) {
      if (step._name === 'filter' && step._eq) {
        const { _field: field, _value: value } = step._eq;
        found = found.filter((c) => {
          const v = (c as unknown as Record<string, unknown>)[field ?? ''];
          return Array.isArray(v) ? v.includes(value) : v === value;
        });
      } else if (step._name === 'page') found = found.slice(step.from ?? 0, step.to ?? found.length);
      else return hiveError(400, 'BadRequest', `Unknown query operation ${String(step._name)}`);
    }
    return { json: found };
  };

  const create = (request: FakeRequest): FakeReply => {
    const body = JSON.parse(request.body || '{}') as Record<string, unknown>;
    const problems: string[] = [];
    if (typeof body['title'] !== 'string' || !body['title']) problems.push('title: missing');
    if (typeof body['description'] !== 'string' || !body['description'])
      problems.push('description: missing');
    const severity = body['severity'] ?? 2;
    if (typeof severity !== 'number' || severity < 1 || severity > 4)
      problems.push(`severity: invalid value ${String(severity)}`);
    if (problems.length > 0) return hiveError(400, 'AttributeCheckingError', problems.join(', '));
    const number = cases.length + 1;
    const saved: FakeHiveCase = {
      _id: `~${40_960 + number * 4096}`,
      _type: 'Case',
      number,
      title: body['title'] as string,
      description: body['description'] as string,
      severity: severity as number,
      tlp: (body['tlp'] as number | undefined) ?? 2,
      pap: (body['pap'] as number | undefined) ?? 2,
      tags: (body['tags'] as string[] | undefined) ?? [],
      flag: body['flag'] === true,
      status: 'New',
      _createdAt: 1_714_564_800_000,
      _createdBy: 'riposte@soc.local',
    };
    cases.push(saved);
    return { status: 201, json: saved };
  };

  const server = await startFakeServer([
    [
      'GET',
      '/api/v1/user/current',
      guard(() => ({ json: { _id: '~1', login: 'riposte@soc.local', organisation: organisations[0] } })),
    ],
    ['POST', '/api/v1/query', guard(query)],
    ['POST', '/api/v1/case', guard(create)],
  ]);
  return Object.assign(server, { cases });
}
