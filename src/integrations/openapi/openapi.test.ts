import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { ActionError } from '../../core/action.ts';
import { RiposteError } from '../../core/riposte-error.ts';
import { runIntegrationAction } from '../sdk/integration-test-kit.ts';
import type { IntegrationDefinition } from '../sdk/integration.ts';
import { startFakeTicketing, TICKETING_KEY, TICKETING_SPEC, type FakeTicketing } from './fake-ticketing.ts';
import { importOpenApi, integrationFromOpenApi } from './openapi-integration.ts';
import { actionSlug, inputKey } from './openapi-names.ts';

type Result = { status: number; body: Record<string, unknown> | null };

const action = (integration: IntegrationDefinition, name: string) => {
  const found = integration.actions.find((a) => a.name === name);
  assert.ok(found, `no action ${name} in ${integration.actions.map((a) => a.name).join(', ')}`);
  return found;
};

describe('openapi import of the ticketing API', () => {
  const ticketing = integrationFromOpenApi(TICKETING_SPEC, { id: 'ticketing' });

  it('makes one action per operation, named from operationId or method and path', () => {
    assert.deepEqual(
      ticketing.actions.map((a) => [a.name, a.effect]),
      [
        ['list_tickets', 'read'],
        ['create_ticket', 'write'],
        ['get_ticket', 'read'],
        ['delete_ticket', 'destructive'],
        ['tickets_add_comment', 'write'],
        ['put_tickets_ticket_id_close', 'destructive'],
      ],
    );
    assert.equal(action(ticketing, 'list_tickets').title, 'List tickets');
  });

  it('takes the base URL, version, docs and API-key auth from the description', () => {
    assert.equal(ticketing.name, 'Ticketing');
    assert.equal(ticketing.version, '2.1.0');
    assert.equal(ticketing.docs, 'https://tickets.example.test/docs');
    assert.equal(ticketing.baseUrl, 'https://tickets.example.test/api/v2');
    assert.deepEqual(ticketing.auth, { kind: 'header', header: 'X-API-Key', field: 'api_key' });
    assert.deepEqual(
      ticketing.credentials.map((c) => [c.name, c.secret, c.required]),
      [['api_key', true, true]],
    );
  });

  it('builds input schemas from parameters and the JSON body', () => {
    const list = action(ticketing, 'list_tickets').input as unknown as {
      properties: Record<string, { type: string; description: string }>;
      required?: string[];
    };
    assert.deepEqual(Object.keys(list.properties), ['status', 'page_size', 'x_request_id']);
    assert.equal(list.required, undefined);
    assert.match(list.properties['x_request_id']!.description, /header parameter "X-Request-Id"/);
    const create = action(ticketing, 'create_ticket').input as unknown as {
      properties: { body: { properties: Record<string, unknown>; required: string[] } };
      required: string[];
    };
    assert.deepEqual(create.required, ['body']);
    // The read-only id is the server's to set: neither asked for nor required.
    assert.deepEqual(Object.keys(create.properties.body.properties), [
      'title',
      'priority',
      'assignee',
      'labels',
    ]);
    assert.deepEqual(create.properties.body.required, ['title', 'priority']);
    const get = action(ticketing, 'get_ticket').input as unknown as { required: string[] };
    assert.deepEqual(get.required, ['ticket_id']);
  });

  describe('against the fake ticketing server', () => {
    let fake: FakeTicketing;
    const run = (name: string, input: Record<string, unknown>, key = TICKETING_KEY) =>
      runIntegrationAction(ticketing, name, input, {
        baseUrl: fake.baseUrl,
        fields: { api_key: key },
      }) as Promise<Result>;
    before(async () => {
      fake = await startFakeTicketing();
    });
    after(() => fake.close());

    it('sends query arrays exploded, headers, and the API key', async () => {
      const out = await run('list_tickets', {
        status: ['open', 'closed'],
        page_size: 10,
        x_request_id: 'r-1',
      });
      assert.equal(out.status, 200);
      assert.deepEqual(
        (out.body!['items'] as { id: string }[]).map((t) => t.id),
        ['T-1', 'T-2'],
      );
      const request = fake.requests.at(-1)!;
      assert.deepEqual(request.query.getAll('status'), ['open', 'closed']);
      assert.equal(request.query.get('pageSize'), '10');
      assert.equal(request.headers['x-request-id'], 'r-1');
      assert.equal(request.headers['x-api-key'], TICKETING_KEY);
    });

    it('sends the JSON body and checks it against the referenced schema first', async () => {
      const out = await run('create_ticket', {
        body: { title: 'Suspicious login', priority: 'high', assignee: null, labels: ['idp'] },
      });
      assert.equal(out.status, 201);
      assert.equal(out.body!['id'], 'T-3');
      assert.deepEqual(JSON.parse(fake.requests.at(-1)!.body), {
        title: 'Suspicious login',
        priority: 'high',
        assignee: null,
        labels: ['idp'],
      });
      const before = fake.requests.length;
      await assert.rejects(
        run('create_ticket', { body: { title: 'x', priority: 'urgent' } }),
        /invalid input/,
      );
      await assert.rejects(run('create_ticket', { body: { title: 'x' } }), /invalid input/);
      await assert.rejects(run('create_ticket', {}), /invalid input/);
      assert.equal(fake.requests.length, before, 'nothing sent for a bad input');
    });

    it('encodes path parameters, and answers a documented 404 instead of failing', async () => {
      const out = await run('get_ticket', { ticket_id: 'T/9 x' });
      assert.deepEqual(out, { status: 404, body: { error: 'no ticket T/9 x' } });
      assert.equal(fake.requests.at(-1)!.path, '/api/v2/tickets/T%2F9%20x');
      assert.deepEqual((await run('get_ticket', { ticket_id: 'T-1' })).body!['title'], 'Phishing report');
    });

    it('deletes (204, empty body) and fails on an undocumented 404', async () => {
      assert.deepEqual(await run('delete_ticket', { ticket_id: 'T-2' }), { status: 204, body: null });
      await assert.rejects(run('delete_ticket', { ticket_id: 'T-2' }), ActionError);
    });

    it('accepts a body of the self-referencing comment schema', async () => {
      const comment = { text: 'root', replies: [{ text: 'a', replies: [{ text: 'b', replies: [] }] }] };
      const out = await run('tickets_add_comment', { ticket_id: 'T-1', body: comment });
      assert.deepEqual(out, { status: 201, body: comment });
      await assert.rejects(
        run('tickets_add_comment', { ticket_id: 'T-1', body: { replies: [] } }),
        /invalid input/,
      );
    });

    it('runs an operation without operationId', async () => {
      const out = await run('put_tickets_ticket_id_close', { ticket_id: 'T-1' });
      assert.equal(out.body!['status'], 'closed');
    });

    it('fails a refused API key without retrying and without the key in the message', async () => {
      await assert.rejects(run('list_tickets', {}, 'wrong-key-123'), (error: unknown) => {
        assert.ok(error instanceof ActionError);
        assert.equal(error.retryable, false);
        assert.doesNotMatch(error.message, /wrong-key-123/);
        return true;
      });
    });
  });

  it('reads the same description from JSON text and from a parsed document', () => {
    const doc = parse(TICKETING_SPEC) as unknown;
    for (const spec of [JSON.stringify(doc), doc]) {
      const again = integrationFromOpenApi(spec, { id: 'ticketing', name: 'Tickets' });
      assert.equal(again.name, 'Tickets');
      assert.deepEqual(
        again.actions.map((a) => a.name),
        ticketing.actions.map((a) => a.name),
      );
    }
  });
});

type Walk = (...path: (string | number)[]) => Record<string, unknown>;

/** The ticketing description with `change` applied to its parsed form (`at(...path)` reaches a part). */
function variant(change: (at: Walk) => void): Record<string, unknown> {
  const doc = parse(TICKETING_SPEC) as Record<string, unknown>;
  const at: Walk = (...path) =>
    path.reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, doc);
  change(at);
  return doc;
}

function problemsOf(spec: unknown): { pointer: string; message: string }[] {
  try {
    importOpenApi(spec, { id: 'bad' });
  } catch (error) {
    assert.ok(error instanceof RiposteError, String(error));
    assert.equal(error.code, 'invalid_openapi');
    assert.equal(error.status, 422);
    return error.extra!['errors'] as { pointer: string; message: string }[];
  }
  assert.fail('the description was accepted');
}

const pointersOf = (spec: unknown) => problemsOf(spec).map((p) => p.pointer);

describe('openapi import of bad descriptions', () => {
  const cases: [string, (at: Walk) => void, string][] = [
    ['Swagger 2.0', (at) => ((at()['swagger'] = '2.0'), delete at()['openapi']), '/swagger'],
    ['an unknown version', (at) => (at()['openapi'] = '3.2'), '/openapi'],
    ['no title', (at) => delete at('info')['title'], '/info/title'],
    ['no paths', (at) => delete at()['paths'], '/paths'],
    ['a path without a leading slash', (at) => (at('paths')['tickets'] = {}), '/paths/tickets'],
    [
      'an external $ref',
      (at) =>
        (at('paths', '/tickets', 'post', 'requestBody', 'content', 'application/json')['schema'] = {
          $ref: 'other.yaml#/X',
        }),
      '/paths/~1tickets/post/requestBody/content/application~1json/schema/$ref',
    ],
    [
      'a dangling $ref',
      (at) =>
        (at('components', 'schemas', 'NewTicket', 'properties')['priority'] = {
          $ref: '#/components/schemas/Nope',
        }),
      '/components/schemas/NewTicket/properties/priority/$ref',
    ],
    [
      'a path parameter missing from the parameters',
      (at) => (at('paths')['/watchers/{user}'] = { get: { responses: {} } }),
      '/paths/~1watchers~1{user}/get/parameters',
    ],
    [
      'an optional path parameter',
      (at) => (at('components', 'parameters', 'TicketId')['required'] = false),
      '/components/parameters/TicketId/required',
    ],
    [
      'an unknown effect',
      (at) => (at('paths', '/tickets', 'get')['x-riposte-effect'] = 'harmless'),
      '/paths/~1tickets/get/x-riposte-effect',
    ],
    [
      'a repeated operationId',
      (at) => (at('paths', '/tickets/{ticketId}', 'delete')['operationId'] = 'getTicket'),
      '/paths/~1tickets~1{ticketId}/delete/operationId',
    ],
    [
      'a server variable without default',
      (at) => delete at('servers', 0, 'variables', 'version')['default'],
      '/servers/0/variables/version/default',
    ],
    [
      'a bad pattern',
      (at) => (at('components', 'schemas', 'Comment', 'properties', 'text')['pattern'] = '(unclosed'),
      '/components/schemas/Comment/properties/text/pattern',
    ],
    [
      'an apiKey scheme without a name',
      (at) => delete at('components', 'securitySchemes', 'ApiKeyAuth')['name'],
      '/components/securitySchemes/ApiKeyAuth/name',
    ],
    [
      'a parameter that is not in a known place',
      (at) => (at('paths', '/tickets', 'get', 'parameters', 0)['in'] = 'body'),
      '/paths/~1tickets/get/parameters/0/in',
    ],
  ];
  for (const [what, change, expected] of cases)
    it(`points at ${what}: ${expected}`, () => assert.deepEqual(pointersOf(variant(change)), [expected]));

  it('reports every problem at once', () => {
    const pointers = pointersOf(
      variant((at) => {
        for (const [, change] of cases.slice(5)) change(at);
      }),
    );
    assert.ok(pointers.length >= 9, pointers.join('\n'));
    assert.ok(pointers.includes('/paths/~1tickets/get/x-riposte-effect'));
    assert.ok(pointers.includes('/servers/0/variables/version/default'));
  });

  it('says where YAML and JSON text break', () => {
    const [yaml] = problemsOf('openapi: 3.0.0\ninfo: [unclosed\n');
    assert.equal(yaml!.pointer, '');
    assert.match(yaml!.message, /not valid YAML at line \d+/);
    assert.match(problemsOf('{"openapi": ')[0]!.message, /not valid JSON/);
    assert.deepEqual(pointersOf('- a list'), ['']);
  });

  it('refuses an id that is not a slug before reading the description', () => {
    assert.throws(
      () => importOpenApi(TICKETING_SPEC, { id: 'Ticketing!' }),
      (e: unknown) => e instanceof RiposteError && e.path === '/id',
    );
  });
});

describe('openapi import details', () => {
  const minimal = (
    extra: Record<string, unknown>,
    operation: Record<string, unknown> = { responses: {} },
  ) => ({
    openapi: '3.1.0',
    info: { title: 'T', version: '1' },
    paths: { '/things/{id}': { parameters: [{ name: 'id', in: 'path', required: true }], get: operation } },
    ...extra,
  });

  it('slugs names to lowercase snake', () => {
    assert.equal(actionSlug('getTicketByID'), 'get_ticket_by_id');
    assert.equal(actionSlug('tickets.list'), 'tickets_list');
    assert.equal(actionSlug('List-Tickets'), 'list_tickets');
    assert.equal(actionSlug('123go'), 'op_123go');
    assert.equal(actionSlug('get /things/{id}/sub-items'), 'get_things_id_sub_items');
    assert.equal(inputKey('X-Request-Id'), 'x_request_id');
    assert.equal(inputKey('pageSize'), 'page_size');
  });

  it('maps bearer, basic, query keys and OAuth tokens to auth schemes', () => {
    const authOf = (scheme: Record<string, unknown>) =>
      integrationFromOpenApi(minimal({ components: { securitySchemes: { s: scheme } } }), { id: 'x' });
    assert.deepEqual(authOf({ type: 'http', scheme: 'bearer' }).auth, {
      kind: 'header',
      header: 'authorization',
      field: 'token',
      prefix: 'Bearer ',
    });
    const basic = authOf({ type: 'http', scheme: 'basic' });
    assert.deepEqual(basic.auth, { kind: 'basic', usernameField: 'username', passwordField: 'password' });
    assert.deepEqual(
      basic.credentials.map((c) => [c.name, c.secret]),
      [
        ['username', false],
        ['password', true],
      ],
    );
    assert.deepEqual(authOf({ type: 'apiKey', in: 'query', name: 'key' }).auth, {
      kind: 'query',
      param: 'key',
      field: 'api_key',
    });
    assert.equal(authOf({ type: 'oauth2', flows: {} }).credentials[0]!.name, 'token');
    const none = importOpenApi(minimal({ components: { securitySchemes: { m: { type: 'mutualTLS' } } } }), {
      id: 'x',
    });
    assert.deepEqual(none.integration.auth, { kind: 'none' });
    assert.match(none.warnings[0]!.message, /none of m can be applied/);
  });

  it('cuts schemas nested deeper than the bound instead of failing', () => {
    let schema: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 40; i++) schema = { type: 'object', properties: { next: schema } };
    const integration = integrationFromOpenApi(
      minimal({}, { responses: {}, requestBody: { content: { 'application/json': { schema } } } }),
      { id: 'deep' },
    );
    assert.match(JSON.stringify(integration.actions[0]!.input), /nested too deep/);
  });

  it('handles mutually recursive schemas', () => {
    const integration = integrationFromOpenApi(
      minimal(
        {
          components: {
            schemas: {
              A: { type: 'object', properties: { b: { $ref: '#/components/schemas/B' } } },
              B: { type: 'object', properties: { a: { $ref: '#/components/schemas/A' } } },
            },
          },
        },
        {
          responses: {},
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/A' } } } },
        },
      ),
      { id: 'cyclic' },
    );
    assert.match(
      JSON.stringify(integration.actions[0]!.input),
      /recursive: another #\/components\/schemas\/A/,
    );
  });

  it('skips what it cannot call and says so', () => {
    const result = importOpenApi(
      {
        openapi: '3.0.0',
        info: { title: 'T', version: '1' },
        servers: [{ url: '/relative/api' }],
        paths: {
          '/upload': {
            post: { requestBody: { required: true, content: { 'multipart/form-data': {} } }, responses: {} },
            options: { responses: {} },
          },
          '/ping': { get: { responses: {} } },
        },
      },
      { id: 'partial' },
    );
    assert.deepEqual(
      result.integration.actions.map((a) => a.name),
      ['get_ping'],
    );
    assert.equal(result.integration.baseUrl, '');
    assert.deepEqual(result.warnings.map((w) => w.pointer).sort(), [
      '/paths/~1upload/options',
      '/paths/~1upload/post/requestBody',
      '/servers/0/url',
    ]);
  });
});
