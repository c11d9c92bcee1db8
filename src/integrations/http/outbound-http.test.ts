import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ActionError } from '../../core/action.ts';
import { startFakeServer, type FakeServer } from '../sdk/fake-server.ts';
import { OutboundHttp, parseRetryAfter } from './outbound-http.ts';

describe('outbound HTTP', () => {
  let fake: FakeServer;
  let flaky = 0;
  const allowed = new OutboundHttp({
    allow: ['127.0.0.1'],
    attempts: 3,
    maxInlineWaitMs: 1500,
    maxResponseBytes: 1024,
  });
  const guarded = new OutboundHttp({ attempts: 1 });

  before(async () => {
    fake = await startFakeServer([
      ['GET', '/ok', (r) => ({ json: { key: r.headers['x-apikey'] ?? null, q: r.query.get('q') } })],
      [
        'GET',
        '/limited',
        () =>
          flaky++ < 1
            ? { status: 429, headers: { 'retry-after': '1' }, json: { error: 'slow down' } }
            : { json: { ok: true } },
      ],
      ['GET', '/broken', () => ({ status: 503, json: { error: 'maintenance' } })],
      ['GET', '/html', () => ({ text: '<html>login</html>', headers: { 'content-type': 'text/html' } })],
      ['GET', '/big', () => ({ text: 'x'.repeat(5000) })],
      ['GET', '/hang', () => new Promise(() => undefined)],
      ['GET', '/denied', () => ({ status: 401, json: { error: { message: 'Wrong API key sekr3t-key' } } })],
    ]);
  });
  after(async () => {
    await fake.close();
    await allowed.close();
    await guarded.close();
  });

  const client = (
    http = allowed,
    auth: Parameters<OutboundHttp['client']>[0]['auth'] = {
      kind: 'header',
      header: 'x-apikey',
      field: 'key',
    },
  ) => http.client({ baseUrl: fake.url, auth, fields: { key: 'sekr3t-key' }, timeoutMs: 500 });

  const fails = async (promise: Promise<unknown>, code: string, pattern?: RegExp) => {
    await assert.rejects(promise, (error: unknown) => {
      assert.ok(error instanceof ActionError, String(error));
      assert.equal(error.code, code, error.message);
      if (pattern) assert.match(error.message, pattern);
      assert.doesNotMatch(error.message, /sekr3t-key/, 'no credential in the message');
      return true;
    });
  };

  it('applies header authorization and query parameters', async () => {
    const { body } = await client().getJson<{ key: string; q: string }>('/ok', { q: 'a b' });
    assert.deepEqual(body, { key: 'sekr3t-key', q: 'a b' });
  });

  it('masks a query-string key in errors', async () => {
    await fails(
      client(allowed, { kind: 'query', param: 'key', field: 'key' }).getJson('/denied'),
      'unauthorized',
      /key=\*\*\*/,
    );
  });

  it('waits out a 429 Retry-After and succeeds', async () => {
    const started = Date.now();
    const { body } = await client().getJson('/limited');
    assert.deepEqual(body, { ok: true });
    assert.ok(Date.now() - started >= 900, 'waited for Retry-After');
  });

  it('gives up on a 5xx after its attempts, retryable for the engine', async () => {
    await assert.rejects(
      client().getJson('/broken'),
      (e: ActionError) => e.code === 'server_error' && e.retryable,
    );
  });

  it('refuses HTML where JSON was expected, naming the content type', async () => {
    await fails(client().getJson('/html'), 'invalid_response', /text\/html/);
  });

  it('caps the response size', async () => {
    await fails(client().request({ path: '/big' }), 'response_too_large');
  });

  it('times out a hung connection', async () => {
    const started = Date.now();
    await fails(client().request({ path: '/hang', timeoutMs: 300 }), 'timeout');
    assert.ok(Date.now() - started < 5000);
  });

  it('refuses loopback, private and metadata addresses unless allowed, also behind a name', async () => {
    await fails(client(guarded).getJson('/ok'), 'ssrf_blocked', /127\.0\.0\.1/);
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://10.1.2.3/',
      'http://[::1]:1/',
      'http://[::ffff:127.0.0.1]:1/',
    ])
      await fails(client(guarded).request({ path: url }), 'ssrf_blocked');
    await fails(
      client(guarded).request({ path: fake.url.replace('127.0.0.1', 'localhost') + '/ok' }),
      'ssrf_blocked',
      /localhost/,
    );
  });

  it('limits each provider instance to its quota', async () => {
    const bucket = allowed.bucket('test-quota', { requests: 2, perSeconds: 1 })!;
    const limited = allowed.client({
      baseUrl: fake.url,
      auth: { kind: 'none' },
      fields: {},
      bucket,
      timeoutMs: 1000,
    });
    const started = Date.now();
    for (let i = 0; i < 4; i++) await limited.getJson('/ok');
    assert.ok(Date.now() - started >= 900, 'the 3rd and 4th request waited for tokens');
  });

  it('sends every request through the configured proxy', async () => {
    const tunnels: string[] = [];
    const proxy = createServer();
    proxy.on('connect', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      tunnels.push(String(request.url));
      const [host, port] = String(request.url).split(':');
      const upstream = connect(Number(port), host!, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxied = new OutboundHttp({
      allow: ['127.0.0.1'],
      proxyUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    });
    try {
      const { body } = await client(proxied).getJson<{ key: string }>('/ok');
      assert.equal(body.key, 'sekr3t-key');
      assert.deepEqual(tunnels, [new URL(fake.url).host]);
      // The SSRF guard still judges the destination, not the proxy.
      const strict = new OutboundHttp({
        proxyUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      });
      await fails(client(strict).getJson('/ok'), 'ssrf_blocked');
      await strict.close();
    } finally {
      await proxied.close();
      proxy.closeAllConnections();
      proxy.close();
    }
  });

  it('reads Retry-After as seconds or a date', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.ok(Math.abs(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())! - 5000) < 1500);
    assert.equal(parseRetryAfter('soon'), undefined);
  });
});
