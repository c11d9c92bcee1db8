import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
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
import {
  FAKE_URLSCAN_KEY,
  seededUuid,
  startFakeUrlscan,
  type FakeScanSeed,
  type FakeUrlscan,
} from './fake-urlscan.ts';
import { urlscan } from './urlscan-integration.ts';
import { quoted } from './urlscan-search.ts';
import { urlscanVerdict } from './urlscan-verdict.ts';

const PHISH = 'https://secure-login.example.net/account/verify?u=alice';
const PHISH_SEED: FakeScanSeed = {
  url: PHISH,
  malicious: true,
  score: 100,
  categories: ['phishing'],
  brands: ['Example Bank'],
  title: 'Sign in',
  ip: '203.0.113.9',
  country: 'RU',
  asn: 'AS64511',
  asnName: 'BULLETPROOF-AS, RU',
  time: new Date(Date.now() - 3_600_000).toISOString(),
};
/** Five older public scans of one domain, for paging. */
const PAGED: FakeScanSeed[] = Array.from({ length: 5 }, (_, i) => ({
  url: `https://shop.example.org/p/${i}`,
  time: new Date(Date.now() - (i + 2) * 86_400_000).toISOString(),
}));
const SEEDS = [PHISH_SEED, ...PAGED];
const PHISH_UUID = seededUuid(PHISH_SEED, 0);

const failsWith = (promise: Promise<unknown>, code: string, pattern?: RegExp) =>
  expectActionError(promise, code, { pattern, secrets: [FAKE_URLSCAN_KEY] });

describe('urlscan', () => {
  let fake: FakeUrlscan;
  const opts = (key = FAKE_URLSCAN_KEY, base = () => fake.apiBase) => ({
    baseUrl: base(),
    fields: { api_key: key },
  });
  const run = (name: string, input: Record<string, unknown>, key = FAKE_URLSCAN_KEY) =>
    runIntegrationAction(urlscan, name, input, opts(key)) as Promise<Record<string, unknown>>;
  const last = () => fake.requests.at(-1)!;

  before(async () => {
    fake = await startFakeUrlscan({
      scans: SEEDS,
      verdicts: {
        'https://fresh.example.com/': {
          malicious: false,
          score: 25,
          categories: ['suspicious'],
          title: 'Fresh',
        },
      },
    });
  });
  after(() => fake.close());

  describe('search', () => {
    it('GET /search/?q=&size= with the API-Key header; hits and a cursor', async () => {
      const out = await run('search', { q: 'page.domain:shop.example.org', size: 2 });
      const req = last();
      assert.equal(req.method, 'GET');
      assert.equal(req.path, '/api/v1/search/');
      assert.equal(req.headers['api-key'], FAKE_URLSCAN_KEY);
      assert.equal(req.query.get('q'), 'page.domain:shop.example.org');
      assert.equal(req.query.get('size'), '2');
      assert.equal(req.query.get('search_after'), null);
      const results = out['results'] as Record<string, unknown>[];
      assert.deepEqual(
        results.map((r) => r['url']),
        ['https://shop.example.org/p/0', 'https://shop.example.org/p/1'],
      );
      assert.equal(out['total'], 5);
      assert.equal(out['hasMore'], true);
      const second = PAGED[1]!;
      assert.equal(out['cursor'], `${Date.parse(second.time!)},${seededUuid(second, 2)}`);
      assert.equal(results[0]!['reportUrl'], `https://urlscan.io/result/${seededUuid(PAGED[0]!, 1)}/`);
      assert.equal(results[0]!['domain'], 'shop.example.org');
    });

    it('search_after walks every page exactly once, then the cursor is null', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 5; page++) {
        const out: Record<string, unknown> = await run('search', {
          q: 'domain:example.org',
          size: 2,
          ...(cursor ? { search_after: cursor } : {}),
        });
        assert.equal(last().query.get('search_after'), cursor);
        seen.push(...(out['results'] as { url: string }[]).map((r) => r.url));
        cursor = out['cursor'] as string | null;
        if (!cursor) break;
      }
      assert.deepEqual(
        seen,
        PAGED.map((s) => s.url),
      );
      assert.equal(cursor, null);
    });

    it('no hits is an empty page, not an error', async () => {
      const out = await run('search', { q: 'page.domain:nothing.invalid' });
      assert.deepEqual(out['results'], []);
      assert.equal(out['total'], 0);
      assert.equal(out['hasMore'], false);
      assert.equal(out['cursor'], null);
    });
  });

  describe('lookup_url', () => {
    it('searches task.url or page.url within max_age_days, then reads the newest result', async () => {
      const from = fake.requests.length;
      const out = await run('lookup_url', { url: PHISH });
      const [searched, read] = fake.requests.slice(from);
      assert.equal(searched!.path, '/api/v1/search/');
      assert.equal(
        searched!.query.get('q'),
        `(task.url:"${PHISH}" OR page.url:"${PHISH}") AND date:>now-30d`,
      );
      assert.equal(searched!.query.get('size'), '1');
      assert.equal(read!.path, `/api/v1/result/${PHISH_UUID}/`);
      assert.equal(read!.headers['api-key'], FAKE_URLSCAN_KEY);
      assert.equal(out['found'], true);
      assert.equal(out['verdict'], 'malicious');
      assert.equal(out['score'], 100);
      assert.equal(out['scans'], 1);
      assert.deepEqual(out['page'], {
        url: PHISH,
        domain: 'secure-login.example.net',
        ip: '203.0.113.9',
        country: 'RU',
        title: 'Sign in',
        asn: 'AS64511',
        asnName: 'BULLETPROOF-AS, RU',
        server: 'nginx',
      });
    });

    it('a URL urlscan never scanned is verdict unknown, not an error', async () => {
      const out = await run('lookup_url', { url: 'https://never.example.com/x', max_age_days: 7 });
      assert.match(last().query.get('q')!, /AND date:>now-7d$/);
      assert.equal(out['found'], false);
      assert.equal(out['verdict'], 'unknown');
      assert.equal(out['score'], null);
      assert.equal(out['scans'], 0);
    });

    it('quotes the URL as an Elasticsearch phrase', () => {
      assert.equal(quoted('https://x.test/a"b\\c'), '"https://x.test/a\\"b\\\\c"');
    });

    it('maps to a url observable and a finding', async () => {
      const input = { url: PHISH };
      const out = await run('lookup_url', input);
      assert.deepEqual(findingOf(urlscan, 'lookup_url', input, out), {
        observable: { type: 'url', value: PHISH },
        finding: {
          verdict: 'malicious',
          score: 100,
          summary: 'urlscan score 100 (phishing; impersonates Example Bank)',
        },
      });
      const none = await run('lookup_url', { url: 'https://never.example.com/' });
      assert.deepEqual(findingOf(urlscan, 'lookup_url', {}, none).finding, {
        verdict: 'unknown',
        score: null,
        summary: 'no urlscan.io scan of it',
      });
    });
  });

  describe('submit and result', () => {
    it('submit: POST /scan/ with {url, visibility, tags} as JSON', async () => {
      const out = await run('submit', {
        url: 'https://fresh.example.com',
        visibility: 'private',
        tags: ['riposte', 'case-7'],
      });
      const req = last();
      assert.equal(req.method, 'POST');
      assert.equal(req.path, '/api/v1/scan/');
      assert.equal(req.headers['api-key'], FAKE_URLSCAN_KEY);
      assert.equal(req.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(req.body), {
        url: 'https://fresh.example.com/',
        visibility: 'private',
        tags: ['riposte', 'case-7'],
      });
      assert.match(String(out['uuid']), /^[0-9a-f-]{36}$/);
      assert.equal(out['visibility'], 'private');
      assert.equal(out['message'], 'Submission successful');
      assert.equal(out['reportUrl'], `${fake.url}/result/${String(out['uuid'])}/`);
    });

    it('submit defaults to unlisted and sends no empty tags', async () => {
      await run('submit', { url: 'https://fresh.example.com/' });
      assert.deepEqual(JSON.parse(last().body), {
        url: 'https://fresh.example.com/',
        visibility: 'unlisted',
      });
    });

    it('result polls through "Scan is not finished yet" (404) until the verdict is there', async () => {
      const { uuid } = await run('submit', { url: 'https://fresh.example.com/' });
      const from = fake.requests.length;
      const out = await run('result', { uuid, poll_interval_seconds: 0.1, max_wait_seconds: 5 });
      const reads = fake.requests.slice(from);
      assert.equal(reads.length, 3, 'two "not finished" answers, then the result');
      assert.ok(
        reads.every(
          (r) => r.path === `/api/v1/result/${String(uuid)}/` && r.headers['api-key'] === FAKE_URLSCAN_KEY,
        ),
      );
      assert.equal(out['found'], true);
      assert.equal(out['status'], 'done');
      assert.equal(out['verdict'], 'suspicious');
      assert.equal(out['score'], 25);
      assert.equal(out['urlscanScore'], 25);
      assert.equal(out['malicious'], false, 'urlscan omits malicious when not flagged');
      assert.deepEqual(out['categories'], ['suspicious']);
      assert.equal((out['page'] as Record<string, unknown>)['title'], 'Fresh');
    });

    it('result still running after max_wait_seconds: scan_pending, retryable later', async () => {
      const { uuid } = await run('submit', { url: 'https://fresh.example.com/' });
      const error = await failsWith(
        run('result', { uuid, max_wait_seconds: 0 }),
        'scan_pending',
        /not finished after 0 s/,
      );
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfterMs, 10_000);
    });

    it('result of a uuid urlscan does not know is not_found with verdict unknown', async () => {
      const out = await run('result', { uuid: '00000000-0000-4000-8000-000000000000', max_wait_seconds: 5 });
      assert.equal(out['found'], false);
      assert.equal(out['status'], 'not_found');
      assert.equal(out['verdict'], 'unknown');
    });

    it('stops polling at once when the step is cancelled', async () => {
      const slow = await startFakeUrlscan({ pendingReads: 1000 });
      const http = new OutboundHttp({ allow: ['127.0.0.1'], attempts: 1 });
      try {
        const controller = new AbortController();
        const fields = { api_key: FAKE_URLSCAN_KEY };
        const context: IntegrationContext = {
          http: http.client({
            baseUrl: slow.apiBase,
            auth: urlscan.auth,
            fields,
            timeoutMs: 5000,
            signal: controller.signal,
          }),
          fields,
          instance: 'test',
          idempotencyKey: 'run_1:result:1',
          attempt: 1,
          signal: controller.signal,
        };
        const submitted = (await urlscan.actions
          .find((a) => a.name === 'submit')!
          .run({ url: 'https://slow.example.com/' }, context)) as { uuid: string };
        setTimeout(() => controller.abort(), 200);
        const started = Date.now();
        await failsWith(
          urlscan.actions
            .find((a) => a.name === 'result')!
            .run({ uuid: submitted.uuid, poll_interval_seconds: 30, max_wait_seconds: 300 }, context),
          'cancelled',
        );
        assert.ok(Date.now() - started < 2000);
      } finally {
        await http.close();
        await slow.close();
      }
    });
  });

  describe('errors', () => {
    it('an unknown key is 401 unauthorized with urlscan’s message', async () => {
      const error = await failsWith(
        run('search', { q: '*' }, 'ffffffff-ffff-4fff-bfff-ffffffffffff'),
        'unauthorized',
        /401.*not found in database/,
      );
      assert.equal(error.retryable, false);
    });

    it('a malformed key (urlscan: 400 "Invalid API key format") is unauthorized too, not a bad request', async () => {
      await failsWith(
        run('search', { q: '*' }, 'not-a-uuid-key'),
        'unauthorized',
        /400.*Invalid API key format/,
      );
    });

    it('no key: the result endpoint refuses (403), naming urlscan’s warning', async () => {
      await failsWith(run('result', { uuid: PHISH_UUID }, ''), 'unauthorized', /not logged in/);
      assert.equal(last().headers['api-key'], undefined);
    });

    it('429 is rate_limited with the wait urlscan’s X-Rate-Limit-Reset-After names', async () => {
      const limited = await startFakeUrlscan({ quota: { requests: 1 } });
      try {
        await runIntegrationAction(
          urlscan,
          'search',
          { q: '*' },
          opts(FAKE_URLSCAN_KEY, () => limited.apiBase),
        );
        const error = await failsWith(
          runIntegrationAction(
            urlscan,
            'search',
            { q: '*' },
            opts(FAKE_URLSCAN_KEY, () => limited.apiBase),
          ),
          'rate_limited',
          /429.*exceeded/,
        );
        assert.equal(error.retryable, true);
        const after = error.retryAfterMs ?? -1;
        assert.ok(after > 0 && after <= 60_000, `retry after ${after} ms`);
      } finally {
        await limited.close();
      }
    });

    it('500, HTML and broken JSON each fail with a clear error', async () => {
      const expectations: [Parameters<FakeUrlscan['fail']>[0], string, RegExp][] = [
        ['internal', 'server_error', /500/],
        ['html', 'invalid_response', /not JSON \(text\/html\)/],
        ['garbage', 'invalid_response', /not JSON/],
      ];
      try {
        for (const [fault, code, pattern] of expectations) {
          fake.fail(fault);
          await failsWith(run('search', { q: '*' }), code, pattern);
          await failsWith(run('result', { uuid: PHISH_UUID }), code, pattern);
        }
      } finally {
        fake.fail(null);
      }
    });

    it('an undocumented body is invalid_response, a bad query a bad_request with urlscan’s words', async () => {
      const odd = await startFakeServer([
        ['GET', '/api/v1/search/', () => ({ json: { hits: [] } })],
        ['GET', '/api/v1/result/:uuid/', () => ({ status: 404, json: { error: 'gone' } })],
      ]);
      try {
        const o = opts(FAKE_URLSCAN_KEY, () => `${odd.url}/api/v1`);
        await failsWith(
          runIntegrationAction(urlscan, 'search', { q: '*' }, o),
          'invalid_response',
          /does not document/,
        );
        await failsWith(
          runIntegrationAction(urlscan, 'result', { uuid: PHISH_UUID }, o),
          'invalid_response',
          /404/,
        );
      } finally {
        await odd.close();
      }
      await failsWith(
        run('search', { q: '*', size: 10_000, search_after: 'nonsense' }),
        'bad_request',
        /400.*Invalid search_after/,
      );
    });

    it('refuses a value that is not a URL without calling urlscan', async () => {
      const before = fake.requests.length;
      await failsWith(run('submit', { url: 'not a url' }), 'invalid_input');
      await failsWith(run('lookup_url', { url: 'example.com' }), 'invalid_input');
      await assert.rejects(run('result', { uuid: 'abc' }), /invalid input/);
      assert.equal(fake.requests.length, before);
    });
  });

  describe('verdict and definition', () => {
    it('verdict rules on verdicts.overall', () => {
      assert.deepEqual(urlscanVerdict({ malicious: true, score: 100 }), {
        verdict: 'malicious',
        score: 100,
        urlscanScore: 100,
        malicious: true,
      });
      assert.equal(urlscanVerdict({ score: 40 }).verdict, 'suspicious');
      assert.deepEqual(urlscanVerdict({ score: -50 }), {
        verdict: 'benign',
        score: 0,
        urlscanScore: -50,
        malicious: false,
      });
      assert.deepEqual(urlscanVerdict({ score: 0 }), {
        verdict: 'unknown',
        score: 0,
        urlscanScore: 0,
        malicious: false,
      });
      assert.deepEqual(urlscanVerdict({}), {
        verdict: 'unknown',
        score: null,
        urlscanScore: null,
        malicious: false,
      });
    });

    it('declares the key secret, the API-Key header, a quota and its actions', () => {
      assert.equal(urlscan.id, 'urlscan');
      assert.equal(urlscan.baseUrl, 'https://urlscan.io/api/v1');
      assert.deepEqual(
        urlscan.credentials.map((c) => [c.name, c.secret, c.required]),
        [['api_key', true, true]],
      );
      assert.deepEqual(urlscan.auth, { kind: 'header', header: 'API-Key', field: 'api_key' });
      assert.ok(urlscan.rateLimit);
      assert.deepEqual(
        urlscan.actions.map((a) => [a.name, a.effect, Boolean(a.enrichment)]),
        [
          ['search', 'read', false],
          ['lookup_url', 'read', true],
          ['submit', 'write', false],
          ['result', 'read', false],
        ],
      );
    });

    it('testConnection reads GET /quotas with the key, and fails on a wrong one', async () => {
      await testIntegrationConnection(urlscan, opts());
      assert.equal(last().path, '/api/v1/quotas');
      assert.equal(last().headers['api-key'], FAKE_URLSCAN_KEY);
      await failsWith(
        testIntegrationConnection(urlscan, opts('ffffffff-ffff-4fff-bfff-ffffffffffff')),
        'unauthorized',
      );
    });
  });
});

/**
 * Real urlscan.io answers (../shared/fixtures/urlscan, never copied into the repo) served from a
 * fake route. Search answers (`results[]`) and results (`task` + `page`) are recognised by shape; the
 * expected values are read from the sample itself with urlscan's documented field names.
 */
const FIXTURES = new URL('../../../../shared/fixtures/urlscan/', import.meta.url);
const skip = !existsSync(FIXTURES) && 'shared fixtures not present: ../shared/fixtures/urlscan is missing';

describe('urlscan conformance with real samples', { skip }, () => {
  const samples = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((f) => f.endsWith('.json')) : [];

  async function serve(route: [string, string, (r: FakeRequest) => FakeReply]) {
    const server = await startFakeServer([route]);
    return { server, o: { baseUrl: `${server.url}/api/v1`, fields: { api_key: FAKE_URLSCAN_KEY } } };
  }

  it('the folder holds samples', () =>
    assert.ok(samples.length > 0, 'no .json sample in ../shared/fixtures/urlscan'));

  for (const file of samples)
    it(file, async () => {
      const json = JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as Record<string, unknown>;
      if (Array.isArray(json['results'])) {
        const { server, o } = await serve(['GET', '/api/v1/search/', () => ({ json })]);
        try {
          const out = (await runIntegrationAction(urlscan, 'search', { q: '*' }, o)) as {
            results: { uuid: string; url: string | null }[];
          };
          const hits = json['results'] as {
            _id?: string;
            task?: { uuid?: string; url?: string };
            page?: { url?: string };
          }[];
          assert.deepEqual(
            out.results.map((r) => r.uuid),
            hits.map((h) => h._id ?? h.task?.uuid),
          );
          assert.deepEqual(
            out.results.map((r) => r.url),
            hits.map((h) => h.page?.url ?? h.task?.url ?? null),
          );
        } finally {
          await server.close();
        }
      } else if (json['task'] && json['page']) {
        const overall = ((json['verdicts'] as Record<string, unknown> | undefined)?.['overall'] ??
          {}) as Record<string, unknown>;
        const page = json['page'] as Record<string, unknown>;
        const uuid = String((json['task'] as Record<string, unknown>)['uuid'] ?? PHISH_UUID);
        const { server, o } = await serve(['GET', '/api/v1/result/:uuid/', () => ({ json })]);
        try {
          const out = (await runIntegrationAction(urlscan, 'result', { uuid }, o)) as Record<string, unknown>;
          assert.equal(out['verdict'], urlscanVerdict(overall).verdict);
          assert.equal(out['malicious'], overall['malicious'] === true);
          assert.equal((out['page'] as Record<string, unknown>)['domain'], page['domain'] ?? null);
          assert.equal((out['page'] as Record<string, unknown>)['ip'], page['ip'] ?? null);
        } finally {
          await server.close();
        }
      } else assert.fail(`${file}: neither a search answer nor a result`);
    });
});
