import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { OutboundHttp } from '../http/outbound-http.ts';
import { startFakeServer, type FakeReply, type FakeRequest } from '../sdk/fake-server.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import {
  findingOf,
  runIntegrationAction,
  testIntegrationConnection,
  expectActionError,
} from '../sdk/integration-test-kit.ts';
import { FAKE_VT_KEY, startFakeVirusTotal, type FakeVirusTotal } from './fake-virustotal.ts';
import { hashesOf, sha256Of } from './fake-virustotal-objects.ts';
import { virustotal } from './virustotal-integration.ts';
import { verdictOf } from './virustotal-verdict.ts';

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
const eicar = hashesOf(EICAR);
const BAD_URL = 'http://login-example.test/verify?id=42';
const unpadded = (url: string) =>
  Buffer.from(url).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

/** Fails unless the promise rejects with an ActionError of this code that leaks no key. */
const failsWith = (promise: Promise<unknown>, code: string, pattern?: RegExp) =>
  expectActionError(promise, code, { pattern, secrets: [FAKE_VT_KEY] });

describe('virustotal', () => {
  let fake: FakeVirusTotal;
  const run = (name: string, input: Record<string, unknown>, key = FAKE_VT_KEY) =>
    runIntegrationAction(virustotal, name, input, { baseUrl: fake.apiBase, fields: { api_key: key } });
  const last = () => fake.requests.at(-1)!;

  before(async () => {
    fake = await startFakeVirusTotal({
      files: [
        {
          content: EICAR,
          malicious: 62,
          names: ['eicar.com'],
          typeDescription: 'DOS COM',
          threatLabel: 'virus.eicar/test',
        },
      ],
      ips: {
        '203.0.113.66': {
          malicious: 9,
          suspicious: 2,
          reputation: -40,
          asOwner: 'BAD-HOSTING',
          asn: 64512,
          country: 'NL',
          tags: ['scanner'],
        },
        '2001:db8::7': { harmless: 60 },
      },
      domains: {
        'example.com': {
          harmless: 66,
          registrar: 'RESERVED-Internet Assigned Numbers Authority',
          creationDate: 808_372_800,
        },
      },
      urls: { [BAD_URL]: { malicious: 1, harmless: 60, title: 'Verify your account' } },
    });
  });
  after(() => fake.close());

  describe('lookups', () => {
    it('lookup_file: GET /files/{sha256} with the key header; a malicious summary', async () => {
      const out = (await run('lookup_file', { hash: eicar.sha256.toUpperCase() })) as Record<string, unknown>;
      const req = last();
      assert.equal(req.method, 'GET');
      assert.equal(req.path, `/api/v3/files/${eicar.sha256}`);
      assert.equal(req.headers['x-apikey'], FAKE_VT_KEY);
      assert.equal(req.body, '');
      assert.deepEqual(out['stats'], { malicious: 62, suspicious: 0, harmless: 0, undetected: 8 });
      assert.equal(out['found'], true);
      assert.equal(out['verdict'], 'malicious');
      assert.equal(out['score'], 89);
      assert.equal(out['sha256'], eicar.sha256);
      assert.equal(out['md5'], eicar.md5);
      assert.deepEqual(out['names'], ['eicar.com']);
      assert.equal(out['typeDescription'], 'DOS COM');
      assert.equal(out['threatLabel'], 'virus.eicar/test');
      assert.equal(out['link'], `https://www.virustotal.com/gui/file/${eicar.sha256}`);
      assert.equal(out['lastAnalysisDate'], new Date(1_750_000_000_000).toISOString());
    });

    it('lookup_file takes MD5 and SHA-1 too and finds the same file', async () => {
      for (const hash of [eicar.md5, eicar.sha1]) {
        const out = (await run('lookup_file', { hash })) as Record<string, unknown>;
        assert.equal(last().path, `/api/v3/files/${hash}`);
        assert.equal(out['id'], eicar.sha256);
      }
    });

    it('lookup_ip: GET /ip_addresses/{ip}; owner, country and a verdict by threshold', async () => {
      const out = (await run('lookup_ip', { ip: ' 203.0.113.66 ' })) as Record<string, unknown>;
      assert.equal(last().path, '/api/v3/ip_addresses/203.0.113.66');
      assert.equal(last().headers['x-apikey'], FAKE_VT_KEY);
      assert.equal(out['asOwner'], 'BAD-HOSTING');
      assert.equal(out['asn'], 64512);
      assert.equal(out['country'], 'NL');
      assert.equal(out['reputation'], -40);
      assert.deepEqual(out['tags'], ['scanner']);
      assert.equal(out['verdict'], 'malicious');
      assert.equal(out['score'], 13);
      const strict = (await run('lookup_ip', { ip: '203.0.113.66', malicious_threshold: 10 })) as Record<
        string,
        unknown
      >;
      assert.equal(strict['verdict'], 'suspicious', '9 engines are under a threshold of 10');
    });

    it('lookup_ip: IPv6 in canonical form; all harmless is benign', async () => {
      const out = (await run('lookup_ip', { ip: '2001:DB8:0:0::7' })) as Record<string, unknown>;
      assert.equal(last().path, `/api/v3/ip_addresses/${encodeURIComponent('2001:db8::7')}`);
      assert.equal(out['verdict'], 'benign');
      assert.equal(out['score'], 0);
    });

    it('lookup_domain: GET /domains/{domain}; registrar and creation date', async () => {
      const out = (await run('lookup_domain', { domain: 'Example.COM.' })) as Record<string, unknown>;
      assert.equal(last().path, '/api/v3/domains/example.com');
      assert.equal(out['registrar'], 'RESERVED-Internet Assigned Numbers Authority');
      assert.equal(out['creationDate'], '1995-08-14T04:00:00.000Z');
      assert.equal(out['verdict'], 'benign');
      assert.equal(out['link'], 'https://www.virustotal.com/gui/domain/example.com');
    });

    it('lookup_url: the id is the unpadded base64url of the URL', async () => {
      const out = (await run('lookup_url', { url: BAD_URL })) as Record<string, unknown>;
      const id = unpadded(BAD_URL);
      assert.equal(last().path, `/api/v3/urls/${id}`);
      assert.doesNotMatch(last().path, /[=+/]$|=/);
      assert.equal(out['id'], sha256Of(BAD_URL));
      assert.equal(out['title'], 'Verify your account');
      assert.equal(out['verdict'], 'suspicious', 'one engine is below the default threshold of 3');
      assert.equal(out['score'], 1);
    });

    it('an object VirusTotal does not know is verdict unknown, not an error', async () => {
      const cases: [string, Record<string, unknown>, string][] = [
        ['lookup_file', { hash: 'a'.repeat(64) }, `/api/v3/files/${'a'.repeat(64)}`],
        ['lookup_ip', { ip: '198.51.100.1' }, '/api/v3/ip_addresses/198.51.100.1'],
        ['lookup_domain', { domain: 'unknown.example.org' }, '/api/v3/domains/unknown.example.org'],
        // A documentation name (RFC 2606 .example) is looked up like any other.
        [
          'lookup_domain',
          { domain: 'Login.Paypa1-Secure.example' },
          '/api/v3/domains/login.paypa1-secure.example',
        ],
        [
          'lookup_url',
          { url: 'https://nowhere.example.org/' },
          `/api/v3/urls/${unpadded('https://nowhere.example.org/')}`,
        ],
      ];
      for (const [name, input, path] of cases) {
        const out = (await run(name, input)) as Record<string, unknown>;
        assert.equal(last().path, path);
        assert.equal(out['found'], false, name);
        assert.equal(out['verdict'], 'unknown', name);
        assert.equal(out['score'], null, name);
        assert.deepEqual(findingOf(virustotal, name, input, out).finding, {
          verdict: 'unknown',
          score: null,
          summary: 'not known to VirusTotal',
        });
      }
    });

    it('refuses an input that is not the type it names, without calling VirusTotal', async () => {
      const before = fake.requests.length;
      await failsWith(run('lookup_ip', { ip: 'not-an-ip' }), 'invalid_input');
      await failsWith(run('lookup_domain', { domain: 'no spaces.com' }), 'invalid_input');
      await failsWith(run('lookup_domain', { domain: 'printer.invalid' }), 'invalid_input');
      await failsWith(run('lookup_url', { url: 'example.com/path' }), 'invalid_input', /absolute URL/);
      await assert.rejects(run('lookup_file', { hash: 'xyz' }), /invalid input/);
      assert.equal(fake.requests.length, before);
    });
  });

  describe('errors', () => {
    it('a wrong key is unauthorized, not retried, with VirusTotal’s code and no key in the message', async () => {
      const error = await failsWith(
        run('lookup_ip', { ip: '203.0.113.66' }, 'wrong-key-000000'),
        'unauthorized',
        /WrongCredentialsError/,
      );
      assert.equal(error.retryable, false);
      assert.doesNotMatch(error.message, /wrong-key-000000/);
    });

    it('a missing key is AuthenticationRequiredError', async () => {
      await failsWith(
        run('lookup_ip', { ip: '203.0.113.66' }, ''),
        'unauthorized',
        /AuthenticationRequiredError/,
      );
      assert.equal(last().headers['x-apikey'], undefined);
    });

    it('the quota answered 429 QuotaExceededError is rate_limited and retryable', async () => {
      const limited = await startFakeVirusTotal({ quota: { requests: 1 }, ips: { '192.0.2.1': {} } });
      try {
        const opts = { baseUrl: limited.apiBase, fields: { api_key: FAKE_VT_KEY } };
        await runIntegrationAction(virustotal, 'lookup_ip', { ip: '192.0.2.1' }, opts);
        const error = await failsWith(
          runIntegrationAction(virustotal, 'lookup_ip', { ip: '192.0.2.1' }, opts),
          'rate_limited',
          /QuotaExceededError/,
        );
        assert.equal(error.retryable, true);
      } finally {
        await limited.close();
      }
    });

    it('5xx, HTML, broken JSON and an undocumented shape each fail with a clear error', async () => {
      const expectations: [Parameters<FakeVirusTotal['fail']>[0], string, RegExp][] = [
        ['transient', 'server_error', /503.*TransientError/],
        ['internal', 'server_error', /500/],
        ['html', 'invalid_response', /not JSON \(text\/html\)/],
        ['garbage', 'invalid_response', /not JSON/],
        ['wrong_shape', 'invalid_response', /does not document/],
      ];
      try {
        for (const [fault, code, pattern] of expectations) {
          fake.fail(fault);
          const error = await failsWith(run('lookup_domain', { domain: 'example.com' }), code, pattern);
          assert.equal(error.retryable, code === 'server_error', fault!);
        }
      } finally {
        fake.fail(null);
      }
    });

    it('a 404 that is not VirusTotal’s NotFoundError is an error, never a clean "unknown"', async () => {
      const proxy = await startFakeServer([
        [
          'GET',
          '/api/v3/ip_addresses/:ip',
          () => ({ status: 404, text: '<h1>Not Found</h1>', headers: { 'content-type': 'text/html' } }),
        ],
        ['GET', '/api/v3/domains/:domain', () => ({ status: 404, json: { message: 'no such route' } })],
      ]);
      try {
        const opts = { baseUrl: `${proxy.url}/api/v3`, fields: { api_key: FAKE_VT_KEY } };
        await failsWith(
          runIntegrationAction(virustotal, 'lookup_ip', { ip: '203.0.113.66' }, opts),
          'invalid_response',
          /404.*text\/html/,
        );
        await failsWith(
          runIntegrationAction(virustotal, 'lookup_domain', { domain: 'example.com' }, opts),
          'invalid_response',
          /404/,
        );
      } finally {
        await proxy.close();
      }
    });
  });

  describe('submissions', () => {
    const fast = { poll_interval_seconds: 0.1, max_wait_seconds: 5 };

    it('submit_url: POST /urls with form url=, then polls the analysis until completed', async () => {
      const from = fake.requests.length;
      const out = (await run('submit_url', { url: BAD_URL, ...fast })) as Record<string, unknown>;
      const sent = fake.requests.slice(from);
      assert.equal(sent[0]!.method, 'POST');
      assert.equal(sent[0]!.path, '/api/v3/urls');
      assert.equal(sent[0]!.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.equal(sent[0]!.headers['x-apikey'], FAKE_VT_KEY);
      assert.equal(new URLSearchParams(sent[0]!.body).get('url'), BAD_URL);
      const analysisId = `u-${sha256Of(BAD_URL)}-`;
      assert.deepEqual(
        sent.slice(1).map((r) => r.path.startsWith(`/api/v3/analyses/${analysisId}`)),
        [true, true, true],
        'queued, in-progress, completed',
      );
      assert.equal(out['status'], 'completed');
      assert.equal(out['polls'], 3);
      assert.deepEqual(out['stats'], { malicious: 1, suspicious: 0, harmless: 60, undetected: 9 });
      assert.equal(out['verdict'], 'suspicious');
      assert.equal(out['urlId'], sha256Of(BAD_URL));
      assert.equal(out['link'], `https://www.virustotal.com/gui/url/${sha256Of(BAD_URL)}`);
    });

    it('submit_file: multipart upload of the decoded bytes under "file" with the filename', async () => {
      const from = fake.requests.length;
      const out = (await run('submit_file', {
        content_base64: Buffer.from(EICAR).toString('base64'),
        filename: 'eicar.com',
        ...fast,
      })) as Record<string, unknown>;
      const upload = fake.requests[from]!;
      assert.equal(upload.method, 'POST');
      assert.equal(upload.path, '/api/v3/files');
      assert.match(String(upload.headers['content-type']), /^multipart\/form-data; boundary=/);
      assert.match(upload.body, /Content-Disposition: form-data; name="file"; filename="eicar.com"/);
      assert.ok(upload.body.includes(EICAR), 'the raw bytes, not the base64 text');
      assert.equal(out['sha256'], eicar.sha256);
      assert.equal(out['md5'], eicar.md5);
      assert.equal(out['size'], EICAR.length);
      assert.equal(out['verdict'], 'malicious');
      assert.equal(out['analysisId'], decodeURIComponent(fake.requests.at(-1)!.path.split('/').pop()!));
    });

    it('submit_file refuses what is not base64, without uploading', async () => {
      const before = fake.requests.length;
      await failsWith(run('submit_file', { content_base64: 'not base64!', filename: 'x' }), 'invalid_input');
      assert.equal(fake.requests.length, before);
    });

    it('gives up after max_wait_seconds with the analysis id, not retryable (a retry would resubmit)', async () => {
      const stuck = await startFakeVirusTotal({ analysisSteps: ['queued'] });
      try {
        const started = Date.now();
        const error = await failsWith(
          runIntegrationAction(
            virustotal,
            'submit_url',
            { url: 'https://slow.example.org/', poll_interval_seconds: 0.2, max_wait_seconds: 1 },
            { baseUrl: stuck.apiBase, fields: { api_key: FAKE_VT_KEY } },
          ),
          'analysis_timeout',
          /u-[0-9a-f]{64}-\d+ was still queued after 1 s/,
        );
        assert.equal(error.retryable, false);
        assert.ok(Date.now() - started < 3000);
        assert.equal(stuck.requests.filter((r) => r.method === 'POST').length, 1);
      } finally {
        await stuck.close();
      }
    });

    it('stops polling at once when the step is cancelled', async () => {
      const stuck = await startFakeVirusTotal({ analysisSteps: ['queued'] });
      const http = new OutboundHttp({ allow: ['127.0.0.1'], attempts: 1 });
      try {
        const controller = new AbortController();
        const fields = { api_key: FAKE_VT_KEY };
        const context: IntegrationContext = {
          http: http.client({
            baseUrl: stuck.apiBase,
            auth: virustotal.auth,
            fields,
            timeoutMs: 5000,
            signal: controller.signal,
          }),
          fields,
          instance: 'test',
          idempotencyKey: 'run_1:submit:1',
          attempt: 1,
          signal: controller.signal,
        };
        const action = virustotal.actions.find((a) => a.name === 'submit_url')!;
        setTimeout(() => controller.abort(), 300);
        const started = Date.now();
        await failsWith(
          action.run(
            { url: 'https://slow.example.org/', poll_interval_seconds: 10, max_wait_seconds: 60 },
            context,
          ),
          'cancelled',
        );
        assert.ok(Date.now() - started < 2000, 'did not sit out the 10 s interval');
      } finally {
        await http.close();
        await stuck.close();
      }
    });
  });

  describe('enrichment', () => {
    it('maps each lookup to its observable and a finding', async () => {
      const cases: [string, Record<string, unknown>, { type: string; value: string }, string][] = [
        ['lookup_file', { hash: eicar.md5.toUpperCase() }, { type: 'md5', value: eicar.md5 }, 'malicious'],
        ['lookup_file', { hash: eicar.sha1 }, { type: 'sha1', value: eicar.sha1 }, 'malicious'],
        ['lookup_ip', { ip: '203.0.113.66' }, { type: 'ipv4', value: '203.0.113.66' }, 'malicious'],
        ['lookup_ip', { ip: '2001:db8::7' }, { type: 'ipv6', value: '2001:db8::7' }, 'benign'],
        ['lookup_domain', { domain: 'example.com' }, { type: 'domain', value: 'example.com' }, 'benign'],
        ['lookup_url', { url: BAD_URL }, { type: 'url', value: BAD_URL }, 'suspicious'],
      ];
      for (const [name, input, observable, verdict] of cases) {
        const out = (await run(name, input)) as Record<string, unknown>;
        const { observable: seen, finding } = findingOf(virustotal, name, input, out);
        assert.deepEqual(seen, observable);
        assert.equal(finding.verdict, verdict, name);
        assert.equal(finding.score, out['score']);
      }
      const ip = (await run('lookup_ip', { ip: '203.0.113.66' })) as Record<string, unknown>;
      assert.equal(
        findingOf(virustotal, 'lookup_ip', {}, ip).finding.summary,
        '9/70 engines malicious, 2 suspicious',
      );
    });

    it('verdict rules: threshold, suspicious, benign, unknown', () => {
      const s = (malicious: number, suspicious: number, harmless: number, undetected: number) => ({
        malicious,
        suspicious,
        harmless,
        undetected,
      });
      assert.deepEqual(verdictOf(s(3, 0, 0, 67)), { verdict: 'malicious', score: 4 });
      assert.deepEqual(verdictOf(s(2, 0, 60, 8)), { verdict: 'suspicious', score: 3 });
      assert.deepEqual(verdictOf(s(0, 1, 60, 9)), { verdict: 'suspicious', score: 0 });
      assert.deepEqual(verdictOf(s(0, 0, 1, 69)), { verdict: 'benign', score: 0 });
      assert.deepEqual(verdictOf(s(0, 0, 0, 70)), { verdict: 'unknown', score: 0 });
      assert.deepEqual(verdictOf(s(0, 0, 0, 0)), { verdict: 'unknown', score: null });
      assert.deepEqual(verdictOf(s(1, 0, 0, 0), 1), { verdict: 'malicious', score: 100 });
    });
  });

  describe('definition', () => {
    it('declares the key secret, the x-apikey header, the public quota and its actions', () => {
      assert.equal(virustotal.id, 'virustotal');
      assert.deepEqual(
        virustotal.credentials.map((c) => [c.name, c.secret, c.required]),
        [['api_key', true, true]],
      );
      assert.deepEqual(virustotal.auth, { kind: 'header', header: 'x-apikey', field: 'api_key' });
      assert.deepEqual(virustotal.rateLimit, { requests: 4, perSeconds: 60 });
      assert.deepEqual(
        virustotal.actions.map((a) => [a.name, a.effect, a.cacheTtlSeconds ?? null, Boolean(a.enrichment)]),
        [
          ['lookup_file', 'read', 21600, true],
          ['lookup_ip', 'read', 21600, true],
          ['lookup_domain', 'read', 21600, true],
          ['lookup_url', 'read', 21600, true],
          ['submit_url', 'write', null, false],
          ['submit_file', 'write', null, false],
        ],
      );
    });

    it('testConnection passes with the right key and fails unauthorized with a wrong one', async () => {
      await testIntegrationConnection(virustotal, {
        baseUrl: fake.apiBase,
        fields: { api_key: FAKE_VT_KEY },
      });
      assert.equal(last().path, '/api/v3/ip_addresses/8.8.8.8');
      await failsWith(
        testIntegrationConnection(virustotal, { baseUrl: fake.apiBase, fields: { api_key: 'nope-nope' } }),
        'unauthorized',
      );
    });
  });
});

/**
 * Real VirusTotal answers (../shared/fixtures/virustotal-v3, never copied into the repo) served
 * from a fake route: the connector must read them into the right summary and verdict.
 */
const FIXTURES = new URL('../../../../shared/fixtures/virustotal-v3/', import.meta.url);
const skip =
  !existsSync(FIXTURES) && 'shared fixtures not present: ../shared/fixtures/virustotal-v3 is missing';

describe('virustotal conformance with real samples', { skip }, () => {
  const load = (name: string) =>
    JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, unknown>;
  /** msticpy's samples hold only the inner `data` object. */
  const enveloped = (name: string) => {
    const json = load(name);
    return 'data' in json ? json : { data: json };
  };

  async function serve(routes: [string, string, (r: FakeRequest) => FakeReply][]) {
    const auth = (handler: (r: FakeRequest) => FakeReply) => (r: FakeRequest) =>
      r.headers['x-apikey'] === FAKE_VT_KEY
        ? handler(r)
        : { status: 401, json: { error: { code: 'WrongCredentialsError', message: 'Wrong API key' } } };
    const server = await startFakeServer(routes.map(([m, p, h]) => [m, p, auth(h)]));
    return { server, opts: { baseUrl: `${server.url}/api/v3`, fields: { api_key: FAKE_VT_KEY } } };
  }

  const cases: {
    file: string;
    action: string;
    input: Record<string, unknown>;
    route: string;
    expect: Record<string, unknown>;
  }[] = [
    {
      file: 'vt3-file-report.gti-dev-kit.json',
      action: 'lookup_file',
      input: { hash: '0078c8132fb99b4bccbb2e2429885a857d6a89534f74e23e6a12821abd2c3db2' },
      route: '/api/v3/files/:id',
      expect: {
        verdict: 'malicious',
        score: 60,
        stats: { malicious: 44, suspicious: 0, harmless: 0, undetected: 29 },
        typeDescription: 'Win32 EXE',
      },
    },
    {
      file: 'vt3-file-object.msticpy.json',
      action: 'lookup_file',
      input: { hash: '03bd9a94482f180bb047626cb2f27ccf8daa0e201345480b43585580e09c311b' },
      route: '/api/v3/files/:id',
      expect: {
        verdict: 'malicious',
        score: 59,
        meaningfulName: 'itami.exe',
        tags: [
          'obfuscated',
          'peexe',
          'runtime-modules',
          'detect-debug-environment',
          'checks-network-adapters',
          'calls-wmi',
          'direct-cpu-clock-access',
          '64bits',
          'long-sleeps',
        ],
      },
    },
    {
      file: 'vt3-ip-report.gti-dev-kit.json',
      action: 'lookup_ip',
      input: { ip: '8.8.8.8' },
      route: '/api/v3/ip_addresses/:ip',
      expect: {
        verdict: 'benign',
        score: 0,
        asOwner: 'GOOGLE',
        country: 'US',
        asn: 15169,
        network: '8.8.8.0/24',
        reputation: 556,
      },
    },
    {
      file: 'vt3-domain-report.gti-dev-kit.json',
      action: 'lookup_domain',
      input: { domain: 'www.google.com' },
      route: '/api/v3/domains/:domain',
      expect: {
        verdict: 'benign',
        registrar: 'MarkMonitor Inc.',
        creationDate: new Date(874_306_800_000).toISOString(),
        reputation: 212,
      },
    },
    {
      file: 'vt3-url-report.gti-dev-kit.json',
      action: 'lookup_url',
      input: { url: 'https://www.youtube.com/' },
      route: '/api/v3/urls/:id',
      expect: {
        verdict: 'benign',
        title: 'YouTube',
        finalUrl: 'https://www.youtube.com/',
        id: 'dbae2d0204aa489e234eb2f903a0127b17c712386428cab12b86c5f68aa75867',
      },
    },
    {
      file: 'vt3-url-object-0.msticpy.json',
      action: 'lookup_url',
      input: { url: 'http://218.54.47.77/' },
      route: '/api/v3/urls/:id',
      expect: { verdict: 'benign', score: 0 },
    },
    {
      file: 'vt3-url-object-1.msticpy.json',
      action: 'lookup_url',
      input: { url: 'http://218.54.47.76/' },
      route: '/api/v3/urls/:id',
      expect: { verdict: 'suspicious', score: 1, tags: ['ip'] },
    },
  ];

  for (const c of cases)
    it(`${c.file} → ${c.action} ${String(c.expect['verdict'])}`, async () => {
      const { server, opts } = await serve([['GET', c.route, () => ({ json: enveloped(c.file) })]]);
      try {
        const out = (await runIntegrationAction(virustotal, c.action, c.input, opts)) as Record<
          string,
          unknown
        >;
        assert.equal(out['found'], true);
        for (const [k, v] of Object.entries(c.expect)) assert.deepEqual(out[k], v, `${c.file}: ${k}`);
      } finally {
        await server.close();
      }
    });

  it('vt3-scan-and-analysis responses: a real submission descriptor and queued analysis are followed to completion', async () => {
    const samples = load('vt3-scan-and-analysis-responses.gti-dev-kit.json') as Record<
      string,
      Record<string, unknown>
    >;
    const queued = samples['SCAN_PUBLIC_URL_ANALYSIS_RESPONSE']!;
    // The sample stops at "queued"; the completed answer is that same document with its status moved on.
    const completed = structuredClone(queued) as { data: { attributes: Record<string, unknown> } };
    completed.data.attributes['status'] = 'completed';
    completed.data.attributes['stats'] = {
      malicious: 0,
      suspicious: 0,
      undetected: 20,
      harmless: 70,
      timeout: 0,
    };
    let polls = 0;
    const { server, opts } = await serve([
      ['POST', '/api/v3/urls', () => ({ json: samples['SCAN_PUBLIC_URL_RESPONSE'] })],
      ['GET', '/api/v3/analyses/:id', () => ({ json: polls++ === 0 ? queued : completed })],
    ]);
    try {
      const out = (await runIntegrationAction(
        virustotal,
        'submit_url',
        { url: 'https://www.irctc.co.in/', poll_interval_seconds: 0.1 },
        opts,
      )) as Record<string, unknown>;
      assert.equal(
        out['analysisId'],
        'u-9337405ca21d71c5db26b9982aea01707c95a925c8ef99f5a42e7dd29dc06f3d-1755151622',
      );
      assert.equal(out['urlId'], '9337405ca21d71c5db26b9982aea01707c95a925c8ef99f5a42e7dd29dc06f3d');
      assert.equal(out['url'], 'https://www.irctc.co.in/');
      assert.equal(out['verdict'], 'benign');
      assert.equal(out['polls'], 2);
      assert.equal(out['date'], new Date(1_755_151_622_000).toISOString());
    } finally {
      await server.close();
    }
  });

  it('vt3-scan-and-analysis responses: a real file submission descriptor and its file_info', async () => {
    const samples = load('vt3-scan-and-analysis-responses.gti-dev-kit.json') as Record<
      string,
      Record<string, unknown>
    >;
    const queued = samples['SCAN_PUBLIC_FILE_ANALYSIS_RESPONSE']!;
    const completed = structuredClone(queued) as { data: { attributes: Record<string, unknown> } };
    completed.data.attributes['status'] = 'completed';
    completed.data.attributes['stats'] = {
      malicious: 5,
      suspicious: 0,
      undetected: 60,
      harmless: 0,
      timeout: 0,
    };
    let polls = 0;
    const { server, opts } = await serve([
      ['POST', '/api/v3/files', () => ({ json: samples['SCAN_PUBLIC_FILE_RESPONSE'] })],
      ['GET', '/api/v3/analyses/:id', () => ({ json: polls++ === 0 ? queued : completed })],
    ]);
    try {
      const out = (await runIntegrationAction(
        virustotal,
        'submit_file',
        { content_base64: 'aGVsbG8=', filename: 'hello.txt', poll_interval_seconds: 0.1 },
        opts,
      )) as Record<string, unknown>;
      assert.equal(out['sha256'], 'f0de2e62ca270423aecf386b578668a3bcebd300f0bc794e667f6467d4792a3d');
      assert.equal(out['md5'], 'a095b8d1513a9dd40ab99a0fc1f6285b');
      assert.equal(out['size'], 206);
      assert.equal(out['verdict'], 'malicious');
    } finally {
      await server.close();
    }
  });
});
