import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Raw body text. */
  body: string;
  /** Named segments of the matched route (`/ip_addresses/:ip` → `{ ip }`). */
  params: Record<string, string>;
}

export interface FakeReply {
  status?: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

export type FakeRoute = [
  method: string,
  pattern: string,
  handler: (request: FakeRequest) => FakeReply | Promise<FakeReply>,
];

export interface FakeServer {
  url: string;
  /** Every request received, in order (tests assert on paths, headers and bodies). */
  requests: FakeRequest[];
  close(): Promise<void>;
}

function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length && !pattern.endsWith('/*')) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (w === '*') {
      params['rest'] = got.slice(i).map(decodeURIComponent).join('/');
      return params;
    }
    const g = got[i];
    if (g === undefined) return null;
    if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(g);
    else if (w !== g) return null;
  }
  return params;
}

/**
 * A vendor API stand-in on 127.0.0.1 for tests and the demo: routes by method and path pattern,
 * records every request. Unknown routes answer 404 with a JSON error, like most vendor APIs.
 */
export async function startFakeServer(routes: FakeRoute[]): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (c: Buffer) => chunks.push(c));
    incoming.on('end', () => {
      void (async () => {
        const url = new URL(incoming.url ?? '/', 'http://fake');
        const base = {
          method: incoming.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: incoming.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        let reply: FakeReply = {
          status: 404,
          json: { error: { code: 'NotFoundError', message: `no route ${base.method} ${base.path}` } },
        };
        for (const [method, pattern, handler] of routes) {
          const params = method === base.method ? match(pattern, base.path) : null;
          if (!params) continue;
          const request = { ...base, params };
          requests.push(request);
          try {
            reply = await handler(request);
          } catch (error) {
            reply = { status: 500, json: { error: String(error) } };
          }
          break;
        }
        const body = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? '');
        outgoing.writeHead(reply.status ?? 200, {
          'content-type': reply.json !== undefined ? 'application/json' : 'text/plain; charset=utf-8',
          ...reply.headers,
        });
        outgoing.end(body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
