import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from '../sdk/fake-server.ts';

export interface FakeAccessRule {
  id: string;
  mode: string;
  configuration: { target: string; value: string };
  notes: string;
}

export type FakeCloudflareFault = 'server_error' | 'html';

export interface FakeCloudflareOptions {
  apiToken?: string;
  zoneId?: string;
  rules?: Omit<FakeAccessRule, 'id'>[];
  /** Requests per five minutes before 429 (Cloudflare: 1,200). */
  requestLimit?: number;
  /** Addresses whose rule listing misbehaves. */
  faults?: Record<string, FakeCloudflareFault>;
}

export interface FakeCloudflare extends FakeServer {
  apiToken: string;
  zoneId: string;
  /** The zone's rules now, as the dashboard would list them. */
  rules(): FakeAccessRule[];
  /** Adds a rule behind the connector's back (a race, or an analyst in the dashboard). */
  addRule(rule: Omit<FakeAccessRule, 'id'>): FakeAccessRule;
  /** Adds a rule right after the next listing answers: another writer wins the race to create it. */
  addRuleAfterNextList(rule: Omit<FakeAccessRule, 'id'>): void;
}

const MODES = ['block', 'challenge', 'whitelist', 'js_challenge', 'managed_challenge'];

// The v4 envelope: {success, errors[{code, message}], messages[], result, result_info}.
const ok = (result: unknown, resultInfo?: unknown): FakeReply => ({
  json: {
    success: true,
    errors: [],
    messages: [],
    result,
    ...(resultInfo ? { result_info: resultInfo } : {}),
  },
});
const fail = (
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
): FakeReply => ({
  status,
  json: { success: false, errors: [{ code, message }], messages: [], result: null },
  ...(headers ? { headers } : {}),
});

/**
 * A stand-in for the zone-level IP Access rules API: list with `configuration.*` filters, create
 * (a second rule for the same value is refused with 10009), delete, Bearer tokens, the 429 of the
 * global limit. Rules persist for the fake's life.
 */
export async function startFakeCloudflare(options: FakeCloudflareOptions = {}): Promise<FakeCloudflare> {
  const apiToken = options.apiToken ?? randomBytes(30).toString('base64url');
  const zoneId = options.zoneId ?? randomBytes(16).toString('hex');
  const rules = new Map<string, FakeAccessRule & { created_on: string }>();
  const limit = options.requestLimit ?? 1200;
  let used = 0;
  let afterList: Omit<FakeAccessRule, 'id'> | undefined;

  const addRule = (rule: Omit<FakeAccessRule, 'id'>) => {
    const stored = { id: randomBytes(16).toString('hex'), created_on: new Date().toISOString(), ...rule };
    rules.set(stored.id, stored);
    return stored;
  };
  for (const rule of options.rules ?? []) addRule(rule);

  const toJson = (r: FakeAccessRule & { created_on: string }) => ({
    id: r.id,
    notes: r.notes,
    allowed_modes: MODES,
    mode: r.mode,
    configuration: r.configuration,
    scope: { id: zoneId, name: 'example.com', type: 'zone' },
    created_on: r.created_on,
    modified_on: r.created_on,
  });

  const api =
    (handler: (request: FakeRequest) => FakeReply) =>
    (request: FakeRequest): FakeReply => {
      if (request.headers['authorization'] !== `Bearer ${apiToken}`)
        return fail(403, 10000, 'Authentication error');
      if (used >= limit)
        return fail(429, 971, 'Please wait and consider throttling your request speed', {
          'retry-after': '300',
        });
      used++;
      if (request.params['zone'] !== zoneId)
        return fail(
          404,
          7003,
          `Could not route to /zones/${request.params['zone']}/firewall/access_rules/rules, perhaps your object identifier is invalid?`,
        );
      return handler(request);
    };

  const list = (request: FakeRequest): FakeReply => {
    const value = request.query.get('configuration.value');
    const fault = value ? options.faults?.[value] : undefined;
    if (fault === 'server_error')
      return {
        status: 502,
        text: '<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>',
        headers: { 'content-type': 'text/html' },
      };
    if (fault === 'html')
      return {
        text: '<!DOCTYPE html><html><body>Attention Required!</body></html>',
        headers: { 'content-type': 'text/html' },
      };
    const target = request.query.get('configuration.target');
    const mode = request.query.get('mode');
    const page = Number(request.query.get('page') ?? '1');
    const perPage = Number(request.query.get('per_page') ?? '20');
    const matching = [...rules.values()].filter(
      (r) =>
        (value === null || r.configuration.value === value) &&
        (target === null || r.configuration.target === target) &&
        (mode === null || r.mode === mode),
    );
    const result = matching.slice((page - 1) * perPage, page * perPage).map(toJson);
    if (afterList) addRule(afterList);
    afterList = undefined;
    return ok(result, {
      page,
      per_page: perPage,
      count: result.length,
      total_count: matching.length,
      total_pages: Math.max(1, Math.ceil(matching.length / perPage)),
    });
  };

  const create = (request: FakeRequest): FakeReply => {
    let body: { mode?: unknown; configuration?: { target?: unknown; value?: unknown }; notes?: unknown };
    try {
      body = JSON.parse(request.body) as typeof body;
    } catch {
      return fail(400, 10014, 'firewallaccessrules.api.invalid_json');
    }
    const target = body.configuration?.target;
    const value = String(body.configuration?.value ?? '');
    if (typeof body.mode !== 'string' || !MODES.includes(body.mode))
      return fail(400, 10015, 'firewallaccessrules.api.validation_error: mode');
    if (
      (target === 'ip' && isIP(value) !== 4) ||
      (target === 'ip6' && isIP(value) !== 6) ||
      (target !== 'ip' && target !== 'ip6')
    )
      return fail(400, 10015, 'firewallaccessrules.api.validation_error: configuration');
    if ([...rules.values()].some((r) => r.configuration.target === target && r.configuration.value === value))
      return fail(400, 10009, 'firewallaccessrules.api.duplicate_of_existing');
    const rule = addRule({
      mode: body.mode,
      configuration: { target, value },
      notes: typeof body.notes === 'string' ? body.notes : '',
    });
    return ok(toJson(rules.get(rule.id)!));
  };

  const remove = (request: FakeRequest): FakeReply => {
    const id = request.params['id']!;
    if (!rules.delete(id)) return fail(404, 10001, 'firewallaccessrules.api.not_found');
    return ok({ id });
  };

  const base = '/client/v4/zones/:zone/firewall/access_rules/rules';
  const server = await startFakeServer([
    ['GET', base, api(list)],
    ['POST', base, api(create)],
    ['DELETE', `${base}/:id`, api(remove)],
  ]);
  return Object.assign(server, {
    apiToken,
    zoneId,
    rules: () => [...rules.values()].map(({ created_on: _created, ...r }) => r),
    addRule,
    addRuleAfterNextList: (rule: Omit<FakeAccessRule, 'id'>) => {
      afterList = rule;
    },
  });
}
