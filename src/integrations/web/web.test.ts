import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ActionError } from '../../core/action.ts';
import { OutboundHttp } from '../http/outbound-http.ts';
import type { FakeServer } from '../sdk/fake-server.ts';
import { runIntegrationAction, testIntegrationConnection } from '../sdk/integration-test-kit.ts';
import { startFakeWeb } from './fake-web.ts';
import { webIntegration as web } from './web-integration.ts';

const SECRET = 'sekr3t-token';

const rejectsWith = (promise: Promise<unknown>, code: string, pattern?: RegExp) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ActionError, String(error));
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, new RegExp(SECRET), 'no credential in the message');
    return true;
  });

type Out = { status: number; url: string; headers: Record<string, string>; body: unknown };
type Echo = {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
};

describe('web', () => {
  let fake: FakeServer;
  let elsewhere: FakeServer;
  const run = (
    name: string,
    input: Record<string, unknown>,
    fields: Record<string, string> = {},
    http?: OutboundHttp,
  ) =>
    runIntegrationAction(web, name, input, {
      baseUrl: fields['base_url'] ?? '',
      fields,
      ...(http ? { http } : {}),
    }) as Promise<Out>;

  before(async () => {
    fake = await startFakeWeb({
      header: { name: 'x-api-key', value: SECRET },
      basic: { username: 'soc', password: SECRET },
    });
    elsewhere = await startFakeWeb();
  });
  after(async () => {
    await fake.close();
    await elsewhere.close();
  });

  it('web.request sends the method, query, headers and JSON body it is given', async () => {
    const output = await run('request', {
      method: 'PATCH',
      url: `${fake.url}/echo/tickets/7`,
      headers: { 'X-Trace': 'abc' },
      query: { notify: true, n: 2 },
      json: { state: 'closed' },
      response_headers: ['ETag', 'X-Request-Id'],
    });
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.method, 'PATCH');
    assert.equal(sent.path, '/echo/tickets/7');
    assert.equal(sent.query.toString(), 'notify=true&n=2');
    assert.equal(sent.headers['x-trace'], 'abc');
    assert.equal(sent.headers['content-type'], 'application/json');
    assert.equal(sent.body, '{"state":"closed"}');
    assert.equal(output.status, 200);
    assert.deepEqual(output.headers, { etag: '"v1"', 'x-request-id': 'req-1' }, 'only the headers asked for');
    assert.equal((output.body as Echo).method, 'PATCH');
  });

  it('sends a raw body with its own content-type and reads text when asked', async () => {
    const output = await run('request', {
      method: 'POST',
      url: `${fake.url}/echo/raw`,
      headers: { 'content-type': 'text/csv' },
      body: 'a,b\n1,2',
      expect: 'text',
    });
    assert.equal(fake.requests.at(-1)!.body, 'a,b\n1,2');
    assert.equal(fake.requests.at(-1)!.headers['content-type'], 'text/csv');
    assert.equal(typeof output.body, 'string');
    assert.equal(JSON.parse(output.body as string).body, 'a,b\n1,2');
    const text = await run('get', { url: `${fake.url}/text`, expect: 'text' });
    assert.equal(text.body, 'plain words');
    assert.equal(text.headers['content-type'], 'text/plain; charset=utf-8');
  });

  it('web.get is a read, web.request a write without step retries', async () => {
    const get = web.actions.find((a) => a.name === 'get')!;
    const request = web.actions.find((a) => a.name === 'request')!;
    assert.equal(get.effect, 'read');
    assert.equal(request.effect, 'write');
    assert.equal(request.retry, null);
    await run('get', { url: `${fake.url}/echo/read` });
    assert.equal(fake.requests.at(-1)!.method, 'GET');
  });

  it('relative URLs resolve against base_url, and the instance credentials go there only', async () => {
    const fields = { base_url: fake.url, header_name: 'X-Api-Key', header_value: SECRET };
    const output = await run('get', { url: '/protected/cases' }, fields);
    assert.deepEqual(output.body, { ok: true, path: '/protected/cases' });
    await run('get', { url: `${elsewhere.url}/echo/leak` }, fields);
    assert.equal(elsewhere.requests.at(-1)!.headers['x-api-key'], undefined, 'not sent to another origin');
    await rejectsWith(run('get', { url: '/protected/x' }), 'invalid_input', /no base_url/);
  });

  it('basic credentials work the same way; a refusal is unauthorized', async () => {
    const output = await run(
      'get',
      { url: '/protected/me' },
      { base_url: fake.url, username: 'soc', password: SECRET },
    );
    assert.equal(output.status, 200);
    await rejectsWith(
      run('get', { url: '/protected/me' }, { base_url: fake.url, username: 'soc', password: 'nope' }),
      'unauthorized',
    );
  });

  it('accept_statuses turns a 404 into an answer; otherwise it fails as not_found', async () => {
    const output = await run('get', { url: `${fake.url}/status/404`, accept_statuses: [404] });
    assert.equal(output.status, 404);
    assert.deepEqual(output.body, { status: 404 });
    await rejectsWith(run('get', { url: `${fake.url}/status/404` }), 'not_found');
  });

  it('redirects are returned with their location, not followed', async () => {
    const output = await run('get', { url: `${fake.url}/redirect` });
    assert.equal(output.status, 302);
    assert.equal(output.headers['location'], '/echo/landed');
    assert.equal(output.body, null);
  });

  it('500, 429 and HTML-where-JSON-was-expected fail with a clear error', async () => {
    await rejectsWith(run('get', { url: `${fake.url}/status/503` }), 'server_error', /503/);
    await assert.rejects(
      run('get', { url: `${fake.url}/status/429` }),
      (e: ActionError) => e.code === 'rate_limited' && e.retryable,
    );
    await rejectsWith(run('get', { url: `${fake.url}/html` }), 'invalid_response', /text\/html/);
  });

  it('refuses bad input before sending', async () => {
    const before = fake.requests.length;
    await rejectsWith(
      run('request', { method: 'POST', url: `${fake.url}/echo/x`, json: {}, body: 'x' }),
      'invalid_input',
      /not both/,
    );
    await rejectsWith(
      run('get', { url: `${fake.url}/echo/x`, headers: { Host: 'internal' } }),
      'invalid_input',
      /Host/,
    );
    await rejectsWith(run('get', { url: 'file:///etc/passwd' }), 'invalid_input', /http and https/);
    await rejectsWith(run('get', { url: 'http://' }), 'invalid_input', /not a URL/);
    assert.equal(fake.requests.length, before);
  });

  it('the SSRF guard applies: loopback and metadata addresses are refused without an allowlist', async () => {
    const guarded = new OutboundHttp({ attempts: 1 });
    try {
      const before = fake.requests.length;
      await rejectsWith(
        run('get', { url: `${fake.url}/echo/x` }, {}, guarded),
        'ssrf_blocked',
        /127\.0\.0\.1/,
      );
      await rejectsWith(
        run('get', { url: fake.url.replace('127.0.0.1', 'localhost') + '/echo/x' }, {}, guarded),
        'ssrf_blocked',
      );
      await rejectsWith(
        run('request', { method: 'GET', url: 'http://169.254.169.254/latest/meta-data/' }, {}, guarded),
        'ssrf_blocked',
      );
      assert.equal(fake.requests.length, before, 'nothing reached the server');
    } finally {
      await guarded.close();
    }
  });

  it('the size cap and the timeout apply', async () => {
    const small = new OutboundHttp({ allow: ['127.0.0.1'], attempts: 1, maxResponseBytes: 1024 });
    try {
      await rejectsWith(
        run('get', { url: `${fake.url}/bytes/5000`, expect: 'text' }, {}, small),
        'response_too_large',
      );
      const started = Date.now();
      await rejectsWith(run('get', { url: `${fake.url}/hang`, timeout_ms: 300 }, {}, small), 'timeout');
      assert.ok(Date.now() - started < 5000);
    } finally {
      await small.close();
    }
  });

  it('testConnection GETs base_url with the credentials; needs a base_url', async () => {
    await testIntegrationConnection(web, { baseUrl: fake.url, fields: { base_url: fake.url } });
    assert.equal(fake.requests.at(-1)!.path, '/');
    await rejectsWith(testIntegrationConnection(web, { baseUrl: '', fields: {} }), 'not_configured');
    const protectedBase = `${fake.url}/protected/`;
    await rejectsWith(
      testIntegrationConnection(web, {
        baseUrl: protectedBase,
        fields: { base_url: protectedBase, header_name: 'x-api-key', header_value: 'wrong-value' },
      }),
      'unauthorized',
    );
  });
});
