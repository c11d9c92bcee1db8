import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ActionError } from '../../core/action.ts';
import { OutboundHttp } from './outbound-http.ts';
import { SsrfGuard } from './ssrf-guard.ts';

const refused = (run: () => void) =>
  assert.throws(run, (e: unknown) => e instanceof ActionError && e.code === 'ssrf_blocked');

describe('SSRF guard: an allow entry with a port', () => {
  it('allows that port of that address and nothing else', () => {
    const guard = new SsrfGuard(['127.0.0.1:4317', '[::1]:4318']);
    guard.check('127.0.0.1', '127.0.0.1', 4317);
    guard.check('::1', '::1', 4318);
    refused(() => guard.check('127.0.0.1', '127.0.0.1', 4318));
    refused(() => guard.check('127.0.0.2', '127.0.0.2', 4317));
    refused(() => guard.check('::1', '::1', 4317));
    // A caller that does not know the port (a connect-time DNS lookup) gets no exception from it.
    refused(() => guard.check('localhost', '127.0.0.1'));
  });

  it('leaves whole-address and CIDR entries as they were', () => {
    const guard = new SsrfGuard(['127.0.0.1', '10.0.0.0/8']);
    guard.check('127.0.0.1', '127.0.0.1', 1);
    guard.check('10.1.2.3', '10.1.2.3');
    refused(() => guard.check('192.168.1.1', '192.168.1.1', 80));
  });
});

describe('outbound HTTP with a port-qualified allow entry', () => {
  const servers: Server[] = [];
  const ports: number[] = [];
  before(async () => {
    for (let i = 0; i < 2; i++) {
      const server = createServer((_req, res) => res.end('{"ok":true}'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      ports.push((server.address() as AddressInfo).port);
    }
  });
  after(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
  });

  it('reaches the allowed port and refuses the other one on the same address', async () => {
    const http = new OutboundHttp({ allow: [`127.0.0.1:${ports[0]}`], attempts: 1 });
    try {
      const client = (port: number) =>
        http.client({
          baseUrl: `http://127.0.0.1:${port}`,
          auth: { kind: 'none' },
          fields: {},
          timeoutMs: 5000,
        });
      assert.deepEqual((await client(ports[0]!).getJson('/')).body, { ok: true });
      await assert.rejects(
        client(ports[1]!).getJson('/'),
        (e: unknown) => e instanceof ActionError && e.code === 'ssrf_blocked',
      );
    } finally {
      await http.close();
    }
  });
});
