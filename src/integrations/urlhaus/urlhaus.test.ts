import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ActionError } from '../../core/action.ts';
import type { FakeServer } from '../sdk/fake-server.ts';
import { findingOf, runIntegrationAction, testIntegrationConnection } from '../sdk/integration-test-kit.ts';
import { startFakeUrlhaus } from './fake-urlhaus.ts';
import { urlhausIntegration as urlhaus } from './urlhaus-integration.ts';

const KEY = 'test-auth-key';
const SHA = 'a'.repeat(64);
const MD5 = 'b'.repeat(32);
const SAMPLE = new URL(
  '../../../../shared/fixtures/abusech/urlhaus-api-v1-url-lookup-response.json',
  import.meta.url,
);

const rejectsWith = (promise: Promise<unknown>, code: string, pattern?: RegExp) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ActionError, String(error));
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, new RegExp(KEY), 'no credential in the message');
    return true;
  });

describe('urlhaus', () => {
  let fake: FakeServer;
  const run = (name: string, input: Record<string, unknown>, server = fake, key = KEY) =>
    runIntegrationAction(urlhaus, name, input, { baseUrl: server.url, fields: { auth_key: key } });

  before(async () => {
    fake = await startFakeUrlhaus({
      authKey: KEY,
      urls: [
        {
          url: 'http://bad.example/x.exe',
          status: 'online',
          tags: ['exe', 'AgentTesla'],
          payloads: [{ sha256: SHA, md5: MD5, signature: 'AgentTesla', filename: 'x.exe' }],
        },
        { url: 'http://bad.example/old.bin', status: 'offline', tags: null },
        { url: 'http://quiet.example/gone', status: 'offline' },
      ],
    });
  });
  after(() => fake.close());

  it('lookup_url posts the URL as a form with the Auth-Key header', async () => {
    const output = (await run('lookup_url', { url: 'http://bad.example/x.exe' })) as Record<string, unknown>;
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.method, 'POST');
    assert.equal(sent.path, '/v1/url/');
    assert.equal(sent.headers['auth-key'], KEY);
    assert.match(String(sent.headers['content-type']), /application\/x-www-form-urlencoded/);
    assert.equal(sent.body, 'url=http%3A%2F%2Fbad.example%2Fx.exe');
    assert.equal(output['found'], true);
    assert.equal(output['status'], 'online');
    assert.deepEqual(output['tags'], ['exe', 'AgentTesla']);
    assert.equal((output['payloads'] as { sha256: string }[])[0]!.sha256, SHA);
    assert.deepEqual(findingOf(urlhaus, 'lookup_url', { url: 'http://bad.example/x.exe' }, output), {
      observable: { type: 'url', value: 'http://bad.example/x.exe' },
      finding: { verdict: 'malicious', score: 100, summary: 'malware_download, online' },
    });
  });

  it('lookup_url: no_results is an answer, verdict unknown', async () => {
    const output = await run('lookup_url', { url: 'https://nothing.example/' });
    assert.equal((output as { found: boolean }).found, false);
    const { finding } = findingOf(urlhaus, 'lookup_url', { url: 'https://nothing.example/' }, output);
    assert.deepEqual(finding, { verdict: 'unknown', score: null, summary: 'not listed in URLhaus' });
  });

  it('lookup_url: an invalid URL is refused as the user’s input, not retried', async () => {
    await rejectsWith(run('lookup_url', { url: 'not a url' }), 'invalid_input', /invalid_url/);
  });

  it('lookup_host posts host= and counts what is still online', async () => {
    const output = (await run('lookup_host', { host: 'bad.example' })) as Record<string, unknown>;
    assert.equal(fake.requests.at(-1)!.path, '/v1/host/');
    assert.equal(fake.requests.at(-1)!.body, 'host=bad.example');
    assert.equal(output['urlCount'], 2);
    assert.equal(output['onlineCount'], 1);
    assert.deepEqual(findingOf(urlhaus, 'lookup_host', { host: 'bad.example' }, output).finding, {
      verdict: 'malicious',
      score: 100,
      summary: '1 of 2 malware URLs online',
    });
    const quiet = await run('lookup_host', { host: 'quiet.example' });
    assert.equal(
      findingOf(urlhaus, 'lookup_host', { host: 'quiet.example' }, quiet).finding.verdict,
      'suspicious',
    );
    assert.deepEqual(findingOf(urlhaus, 'lookup_host', { host: '198.51.100.7' }, quiet).observable, {
      type: 'ipv4',
      value: '198.51.100.7',
    });
    const none = await run('lookup_host', { host: 'clean.example' });
    assert.equal(
      findingOf(urlhaus, 'lookup_host', { host: 'clean.example' }, none).finding.verdict,
      'unknown',
    );
  });

  it('lookup_payload sends md5_hash or sha256_hash by the hash’s length', async () => {
    const bySha = (await run('lookup_payload', { hash: SHA.toUpperCase() })) as Record<string, unknown>;
    assert.equal(fake.requests.at(-1)!.path, '/v1/payload/');
    assert.equal(fake.requests.at(-1)!.body, `sha256_hash=${SHA}`);
    assert.equal(bySha['signature'], 'AgentTesla');
    assert.equal(bySha['fileSize'], 123456);
    await run('lookup_payload', { hash: MD5 });
    assert.equal(fake.requests.at(-1)!.body, `md5_hash=${MD5}`);
    assert.deepEqual(findingOf(urlhaus, 'lookup_payload', { hash: MD5 }, bySha), {
      observable: { type: 'md5', value: MD5 },
      finding: { verdict: 'malicious', score: 90, summary: 'served by 1 malware URLs (AgentTesla)' },
    });
    const unseen = await run('lookup_payload', { hash: 'c'.repeat(64) });
    assert.equal(
      findingOf(urlhaus, 'lookup_payload', { hash: 'c'.repeat(64) }, unseen).finding.verdict,
      'unknown',
    );
  });

  it('lookup_payload refuses something that is not an MD5 or SHA-256 before sending', async () => {
    const before = fake.requests.length;
    await assert.rejects(run('lookup_payload', { hash: 'xyz' }), /invalid input/);
    assert.equal(fake.requests.length, before);
  });

  it('maps an offline URL to suspicious and an unknown status to malicious', async () => {
    const offline = await run('lookup_url', { url: 'http://bad.example/old.bin' });
    assert.deepEqual((offline as { tags: string[] }).tags, [], 'tags: null reads as no tags');
    assert.deepEqual(findingOf(urlhaus, 'lookup_url', { url: 'x' }, offline).finding, {
      verdict: 'suspicious',
      score: 60,
      summary: 'malware_download, offline',
    });
    const unknownStatus = { ...(offline as object), status: 'unknown' };
    assert.equal(findingOf(urlhaus, 'lookup_url', { url: 'x' }, unknownStatus).finding.score, 80);
  });

  it('a wrong Auth-Key fails as unauthorized, not retried', async () => {
    await rejectsWith(
      run('lookup_url', { url: 'http://bad.example/x.exe' }, fake, 'wrong-key-123'),
      'unauthorized',
    );
    await rejectsWith(
      testIntegrationConnection(urlhaus, { baseUrl: fake.url, fields: { auth_key: 'nope-nope' } }),
      'unauthorized',
    );
  });

  it('testConnection passes with a good key', async () => {
    await testIntegrationConnection(urlhaus, { baseUrl: fake.url, fields: { auth_key: KEY } });
    assert.equal(fake.requests.at(-1)!.path, '/v1/url/');
  });

  it('a 429 is retryable with the Retry-After handed to the engine', async () => {
    const limited = await startFakeUrlhaus({ authKey: KEY, requestsBeforeLimit: 0 });
    try {
      await assert.rejects(run('lookup_url', { url: 'http://a.example/' }, limited), (error: ActionError) => {
        assert.equal(error.code, 'rate_limited');
        assert.equal(error.retryable, true);
        assert.equal(error.retryAfterMs, 60_000);
        return true;
      });
    } finally {
      await limited.close();
    }
  });

  it('500, HTML, garbage and an unknown query_status fail with a clear error', async () => {
    const replies = {
      'http://500.example/': { status: 500, text: 'Internal Server Error' },
      'http://html.example/': { text: '<html>maintenance</html>', headers: { 'content-type': 'text/html' } },
      'http://garbage.example/': {
        text: '{"query_status": ',
        headers: { 'content-type': 'application/json' },
      },
      'http://array.example/': { json: [1, 2] },
      'http://odd.example/': { json: { query_status: 'http_post_expected' } },
    };
    const faulty = await startFakeUrlhaus({
      authKey: KEY,
      intercept: (r) => replies[new URLSearchParams(r.body).get('url') as keyof typeof replies],
    });
    try {
      const lookup = (url: string) => run('lookup_url', { url }, faulty);
      await rejectsWith(lookup('http://500.example/'), 'server_error', /500/);
      await rejectsWith(lookup('http://html.example/'), 'invalid_response', /text\/html/);
      await rejectsWith(lookup('http://garbage.example/'), 'invalid_response', /not JSON/);
      await rejectsWith(lookup('http://array.example/'), 'invalid_response', /not an object/);
      await rejectsWith(lookup('http://odd.example/'), 'invalid_response', /http_post_expected/);
    } finally {
      await faulty.close();
    }
  });

  it('conformance: reads the recorded URLhaus answer (abusech/urlhaus-api-v1-url-lookup-response.json)', async (t) => {
    if (!existsSync(SAMPLE))
      return t.skip(`sample absent: ${SAMPLE.pathname} (../shared/fixtures is not checked out)`);
    const sample = JSON.parse(readFileSync(SAMPLE, 'utf8')) as Record<string, unknown>;
    const recorded = await startFakeUrlhaus({
      authKey: KEY,
      intercept: (r) => (r.path === '/v1/url/' ? { json: sample } : undefined),
    });
    try {
      const output = (await run('lookup_url', { url: String(sample['url']) }, recorded)) as Record<
        string,
        unknown
      >;
      assert.equal(output['id'], '164599');
      assert.equal(output['status'], 'offline');
      assert.equal(output['host'], 'store.sensyu.org');
      assert.deepEqual(output['tags'], ['exe', 'Troldesh']);
      assert.equal((output['blacklists'] as Record<string, string>)['gsb'], 'not listed');
      assert.deepEqual((output['payloads'] as unknown[])[0], {
        sha256: '4b8531ec896f8e1e1040c1b18d13cdefe7cd39b6bf64e2136e04ec44974eb50d',
        md5: '013aae78d326cfb1cc3c1baf924368c1',
        filename: null,
        fileType: 'exe',
        signature: 'Ransomware.Troldesh',
        firstSeen: '2019-03-23',
      });
      assert.equal(findingOf(urlhaus, 'lookup_url', { url: 'x' }, output).finding.verdict, 'suspicious');
    } finally {
      await recorded.close();
    }
  });
});
