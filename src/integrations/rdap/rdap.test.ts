import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ActionError } from '../../core/action.ts';
import type { FakeServer } from '../sdk/fake-server.ts';
import { findingOf, runIntegrationAction, testIntegrationConnection } from '../sdk/integration-test-kit.ts';
import { startFakeRdap } from './fake-rdap.ts';
import { rdapIntegration as rdap } from './rdap-integration.ts';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY);

const rejectsWith = (promise: Promise<unknown>, code: string, pattern?: RegExp) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ActionError, String(error));
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });

type Domain = Record<string, unknown> & { found: boolean; ageDays: number | null };

describe('rdap', () => {
  let fake: FakeServer;
  const run = (name: string, input: Record<string, unknown>, server = fake) =>
    runIntegrationAction(rdap, name, input, { baseUrl: server.url }) as Promise<Domain>;

  before(async () => {
    fake = await startFakeRdap({
      domains: [
        {
          name: 'example.com',
          registered: new Date('1995-08-14T04:00:00Z'),
          lastChanged: new Date('2024-08-14T07:01:34Z'),
          expires: new Date('2025-08-13T04:00:00Z'),
          registrar: 'RESERVED-Internet Assigned Numbers Authority',
          registrarIanaId: '376',
          status: ['client delete prohibited', 'client transfer prohibited'],
          nameservers: ['A.IANA-SERVERS.NET', 'B.IANA-SERVERS.NET'],
        },
        { name: 'fresh-login.example', registered: daysAgo(3) },
      ],
      networks: [
        {
          cidr: '192.0.2.0/24',
          name: 'TEST-NET-1',
          handle: 'NET-192-0-2-0-1',
          country: 'US',
          registrant: 'IANA',
        },
        {
          cidr: '2001:db8::/32',
          name: 'DOC-V6',
          handle: 'DOC-V6-1',
          registered: new Date('2004-07-01T00:00:00Z'),
        },
      ],
    });
  });
  after(() => fake.close());

  it('domain asks /domain/{name} for RDAP JSON and follows the bootstrap redirect once', async () => {
    const before = fake.requests.length;
    const output = await run('domain', { name: 'Example.COM.' });
    const [asked, followed] = fake.requests.slice(before);
    assert.equal(asked!.path, '/domain/example.com');
    assert.match(String(asked!.headers['accept']), /application\/rdap\+json/);
    assert.equal(followed!.path, '/registry/domain/example.com');
    assert.deepEqual(output, {
      found: true,
      name: 'example.com',
      handle: 'EXAMPLECOM-FAKE',
      registered: '1995-08-14T04:00:00.000Z',
      lastChanged: '2024-08-14T07:01:34.000Z',
      expires: '2025-08-13T04:00:00.000Z',
      ageDays: output.ageDays,
      registrar: 'RESERVED-Internet Assigned Numbers Authority',
      registrarIanaId: '376',
      status: ['client delete prohibited', 'client transfer prohibited'],
      nameservers: ['a.iana-servers.net', 'b.iana-servers.net'],
      server: `${fake.url}/registry/domain/example.com`,
    });
    assert.ok(output.ageDays! > 10_000);
    assert.deepEqual(findingOf(rdap, 'domain', { name: 'example.com' }, output).finding.verdict, 'unknown');
  });

  it('a domain registered under 30 days ago is suspicious', async () => {
    const output = await run('domain', { name: 'fresh-login.example' });
    assert.equal(output.ageDays, 3);
    assert.deepEqual(findingOf(rdap, 'domain', { name: 'fresh-login.example' }, output), {
      observable: { type: 'domain', value: 'fresh-login.example' },
      finding: { verdict: 'suspicious', score: 50, summary: 'new domain: registered 3 day(s) ago' },
    });
  });

  it('404 with an RFC 9083 error body, at the registry or the bootstrap, is "not found": verdict unknown', async () => {
    const unregistered = await run('domain', { name: 'never-registered.example' });
    assert.equal(unregistered.found, false);
    assert.equal(unregistered.registered, null);
    assert.deepEqual(findingOf(rdap, 'domain', { name: 'x.example' }, unregistered).finding, {
      verdict: 'unknown',
      score: null,
      summary: 'no RDAP record',
    });
    const noBootstrap = await run('domain', { name: 'thing.invalid' });
    assert.equal(noBootstrap.found, false);
    assert.equal(noBootstrap.server, `${fake.url}/domain/thing.invalid`);
  });

  it('ip asks /ip/{addr} and reads the network, v4 and v6', async () => {
    const v4 = await run('ip', { address: '192.0.2.77' });
    assert.equal(fake.requests.at(-2)!.path, '/ip/192.0.2.77');
    assert.equal(fake.requests.at(-1)!.path, '/registry/ip/192.0.2.77');
    assert.equal(v4['handle'], 'NET-192-0-2-0-1');
    assert.equal(v4['startAddress'], '192.0.2.0');
    assert.equal(v4['endAddress'], '192.0.2.255');
    assert.equal(v4['country'], 'US');
    assert.equal(v4['registrant'], 'IANA');
    assert.deepEqual(v4['status'], ['active']);
    const v6 = await run('ip', { address: '2001:db8::1' });
    assert.equal(v6['name'], 'DOC-V6');
    assert.equal(v6['registered'], '2004-07-01T00:00:00.000Z');
    const none = await run('ip', { address: '198.51.100.1' });
    assert.equal(none.found, false);
  });

  it('refuses an input that is not an IP address or a domain before sending', async () => {
    const before = fake.requests.length;
    await rejectsWith(run('ip', { address: 'example.com' }), 'invalid_input');
    await assert.rejects(run('domain', { name: '../../admin' }), /invalid input/);
    assert.equal(fake.requests.length, before);
  });

  it('follows only one redirect', async () => {
    const looping = await startFakeRdap({
      intercept: () => ({ status: 302, headers: { location: '/registry/domain/loop.example' }, text: '' }),
    });
    try {
      await rejectsWith(
        run('domain', { name: 'loop.example' }, looping),
        'invalid_response',
        /more than once/,
      );
      assert.equal(looping.requests.length, 2);
    } finally {
      await looping.close();
    }
  });

  it('a redirect to a metadata address is refused by the SSRF guard', async () => {
    const hostile = await startFakeRdap({
      intercept: () => ({
        status: 302,
        headers: { location: 'http://169.254.169.254/latest/meta-data/' },
        text: '',
      }),
    });
    try {
      await rejectsWith(run('domain', { name: 'example.com' }, hostile), 'ssrf_blocked');
    } finally {
      await hostile.close();
    }
  });

  it('429 (RFC 7480 §5.5) is retryable with the Retry-After handed to the engine', async () => {
    const limited = await startFakeRdap({ requestsBeforeLimit: 0 });
    try {
      await assert.rejects(run('domain', { name: 'example.com' }, limited), (e: ActionError) => {
        assert.equal(e.code, 'rate_limited');
        assert.equal(e.retryAfterMs, 60_000);
        return true;
      });
    } finally {
      await limited.close();
    }
  });

  it('500, HTML, garbage and JSON that is no RDAP object fail with a clear error', async () => {
    const replies: Record<
      string,
      { status?: number; text?: string; json?: unknown; headers?: Record<string, string> }
    > = {
      '/domain/500.example': { status: 500, text: 'oops' },
      '/domain/html.example': { text: '<html>whois</html>', headers: { 'content-type': 'text/html' } },
      '/domain/garbage.example': {
        text: '{"objectClass',
        headers: { 'content-type': 'application/rdap+json' },
      },
      '/domain/other.example': { json: { hello: 'world' } },
    };
    const faulty = await startFakeRdap({ intercept: (r) => replies[r.path] });
    try {
      await rejectsWith(run('domain', { name: '500.example' }, faulty), 'server_error');
      await rejectsWith(run('domain', { name: 'html.example' }, faulty), 'invalid_response', /text\/html/);
      await rejectsWith(run('domain', { name: 'garbage.example' }, faulty), 'invalid_response', /not JSON/);
      await rejectsWith(
        run('domain', { name: 'other.example' }, faulty),
        'invalid_response',
        /not an RDAP object/,
      );
    } finally {
      await faulty.close();
    }
  });

  it('testConnection looks up example.com', async () => {
    await testIntegrationConnection(rdap, { baseUrl: fake.url });
    assert.equal(fake.requests.at(-1)!.path, '/registry/domain/example.com');
    const empty = await startFakeRdap();
    try {
      await rejectsWith(testIntegrationConnection(rdap, { baseUrl: empty.url }), 'invalid_response');
    } finally {
      await empty.close();
    }
  });
});
