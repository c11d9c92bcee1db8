import { startFakeServer, type FakeReply, type FakeRoute, type FakeServer } from '../sdk/fake-server.ts';

export interface FakeWebOptions {
  /** `/protected/*` requires this header (name lowercase) with this value… */
  header?: { name: string; value: string };
  /** …or these basic credentials. */
  basic?: { username: string; password: string };
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'];

/**
 * An httpbin-like server for the generic HTTP action: `/echo/*` answers the request it got as JSON,
 * `/status/{code}` answers that status, `/text` and `/html` answer text, `/bytes/{n}` n bytes,
 * `/hang` never answers, and `/protected/*` wants the configured header or basic credentials.
 */
export async function startFakeWeb(options: FakeWebOptions = {}): Promise<FakeServer> {
  const routes: FakeRoute[] = [];
  for (const method of METHODS) {
    routes.push([
      method,
      '/echo/*',
      (r) => ({
        headers: { etag: '"v1"', 'x-request-id': 'req-1', 'set-cookie': 'session=abc' },
        json: {
          method: r.method,
          path: r.path,
          query: Object.fromEntries(r.query),
          headers: r.headers,
          body: r.body,
        },
      }),
    ]);
    routes.push([
      method,
      '/protected/*',
      (r): FakeReply => {
        const byHeader = options.header && r.headers[options.header.name] === options.header.value;
        const expected = options.basic
          ? `Basic ${Buffer.from(`${options.basic.username}:${options.basic.password}`).toString('base64')}`
          : undefined;
        const byBasic = expected !== undefined && r.headers['authorization'] === expected;
        return byHeader || byBasic
          ? { json: { ok: true, path: r.path } }
          : {
              status: 401,
              headers: { 'www-authenticate': 'Basic realm="fake"' },
              json: { error: 'unauthorized' },
            };
      },
    ]);
  }
  routes.push([
    'GET',
    '/status/:code',
    (r) => ({ status: Number(r.params['code']), json: { status: Number(r.params['code']) } }),
  ]);
  routes.push(['GET', '/text', () => ({ text: 'plain words' })]);
  routes.push([
    'GET',
    '/html',
    () => ({ text: '<html><body>hi</body></html>', headers: { 'content-type': 'text/html' } }),
  ]);
  routes.push(['GET', '/bytes/:n', (r) => ({ text: 'x'.repeat(Number(r.params['n'])) })]);
  routes.push(['GET', '/redirect', () => ({ status: 302, headers: { location: '/echo/landed' }, text: '' })]);
  routes.push(['GET', '/hang', () => new Promise<FakeReply>(() => undefined)]);
  routes.push(['GET', '/', () => ({ json: { service: 'fake-web' } })]);
  return startFakeServer(routes);
}
