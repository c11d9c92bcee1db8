import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ActionError } from '../../core/action.ts';
import type { FakeServer } from '../sdk/fake-server.ts';
import { findingOf, runIntegrationAction, testIntegrationConnection } from '../sdk/integration-test-kit.ts';
import { startFakeThreatfox } from './fake-threatfox.ts';
import { observableOf, threatfoxIntegration as threatfox } from './threatfox-integration.ts';

const KEY = 'test-auth-key';
const SAMPLE_SHA = 'd'.repeat(64);
const SAMPLE = new URL(
  '../../../../shared/fixtures/abusech/threatfox-api-query-response.json',
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

type Out = {
  found: boolean;
  iocs: { ioc: string; confidenceLevel: number | null }[];
  maxConfidence: number | null;
};

describe('threatfox', () => {
  let fake: FakeServer;
  const run = (name: string, input: Record<string, unknown>, server = fake, key = KEY) =>
    runIntegrationAction(threatfox, name, input, {
      baseUrl: server.url,
      fields: { auth_key: key },
    }) as Promise<Out>;

  before(async () => {
    fake = await startFakeThreatfox({
      authKey: KEY,
      iocs: [
        { ioc: '203.0.113.9:443', confidence: 100, samples: [SAMPLE_SHA] },
        { ioc: 'c2.bad.example', confidence: 50, malware: 'win.qakbot', malwarePrintable: 'QakBot' },
        { ioc: 'sub.c2.bad.example', confidence: 30, tags: null },
      ],
    });
  });
  after(() => fake.close());

  it('search_ioc posts {"query":"search_ioc","search_term"} to /api/v1/ with the Auth-Key header', async () => {
    const output = await run('search_ioc', { search_term: ' 203.0.113.9:443 ' });
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.method, 'POST');
    assert.equal(sent.path, '/api/v1/');
    assert.equal(sent.headers['auth-key'], KEY);
    assert.match(String(sent.headers['content-type']), /application\/json/);
    assert.deepEqual(JSON.parse(sent.body), { query: 'search_ioc', search_term: '203.0.113.9:443' });
    assert.equal(output.found, true);
    assert.equal(output.maxConfidence, 100);
    assert.deepEqual(findingOf(threatfox, 'search_ioc', { search_term: '203.0.113.9:443' }, output), {
      observable: { type: 'ipv4', value: '203.0.113.9' },
      finding: { verdict: 'malicious', score: 100, summary: '1 IOC(s): Cobalt Strike, confidence 100' },
    });
  });

  it('search_ioc passes exact_match through, and confidence below 75 is suspicious', async () => {
    const loose = await run('search_ioc', { search_term: 'c2.bad.example' });
    assert.equal(loose.iocs.length, 2, 'ThreatFox matches substrings by default');
    const exact = await run('search_ioc', { search_term: 'c2.bad.example', exact_match: true });
    assert.equal(JSON.parse(fake.requests.at(-1)!.body).exact_match, true);
    assert.equal(exact.iocs.length, 1);
    assert.deepEqual(findingOf(threatfox, 'search_ioc', { search_term: 'c2.bad.example' }, exact).finding, {
      verdict: 'suspicious',
      score: 50,
      summary: '1 IOC(s): QakBot, confidence 50',
    });
  });

  it('search_hash posts {"query":"search_hash","hash"} and returns the associated IOCs', async () => {
    const output = await run('search_hash', { hash: SAMPLE_SHA.toUpperCase() });
    assert.deepEqual(JSON.parse(fake.requests.at(-1)!.body), { query: 'search_hash', hash: SAMPLE_SHA });
    assert.deepEqual(
      output.iocs.map((i) => i.ioc),
      ['203.0.113.9:443'],
    );
    assert.deepEqual(findingOf(threatfox, 'search_hash', { hash: SAMPLE_SHA }, output).observable, {
      type: 'sha256',
      value: SAMPLE_SHA,
    });
  });

  it('no_result is an answer, verdict unknown', async () => {
    const output = await run('search_ioc', { search_term: 'nothing.example' });
    assert.deepEqual(output, { found: false, iocs: [], maxConfidence: null, malware: [] });
    assert.deepEqual(findingOf(threatfox, 'search_ioc', { search_term: 'nothing.example' }, output).finding, {
      verdict: 'unknown',
      score: null,
      summary: 'not in ThreatFox',
    });
    const hash = await run('search_hash', { hash: 'e'.repeat(32) });
    assert.equal(hash.found, false);
  });

  it('an illegal search term is the input’s fault, not retried', async () => {
    await rejectsWith(run('search_ioc', { search_term: 'ab' }), 'invalid_input', /illegal_search_term/);
  });

  it('reads what a search term names', () => {
    assert.deepEqual(observableOf('https://x.example/a'), { type: 'url', value: 'https://x.example/a' });
    assert.deepEqual(observableOf('2001:db8::1'), { type: 'ipv6', value: '2001:db8::1' });
    assert.deepEqual(observableOf('A'.repeat(40)), { type: 'sha1', value: 'a'.repeat(40) });
    assert.deepEqual(observableOf('Evil.Example'), { type: 'domain', value: 'evil.example' });
  });

  it('a wrong Auth-Key fails as unauthorized, also when abuse.ch says so with a 200', async () => {
    await rejectsWith(
      run('search_ioc', { search_term: 'c2.bad.example' }, fake, 'wrong-key-1'),
      'unauthorized',
    );
    const polite = await startFakeThreatfox({
      intercept: () => ({ json: { query_status: 'unknown_auth_key' } }),
    });
    try {
      await rejectsWith(
        run('search_ioc', { search_term: 'c2.bad.example' }, polite),
        'unauthorized',
        /Auth-Key/,
      );
    } finally {
      await polite.close();
    }
  });

  it('testConnection passes with a good key and fails with a bad one', async () => {
    await testIntegrationConnection(threatfox, { baseUrl: fake.url, fields: { auth_key: KEY } });
    assert.equal(JSON.parse(fake.requests.at(-1)!.body).query, 'search_ioc');
    await rejectsWith(
      testIntegrationConnection(threatfox, { baseUrl: fake.url, fields: { auth_key: 'bad-key-9' } }),
      'unauthorized',
    );
  });

  it('a 429 is retryable with the Retry-After handed to the engine', async () => {
    const limited = await startFakeThreatfox({ requestsBeforeLimit: 0 });
    try {
      await assert.rejects(run('search_ioc', { search_term: 'abc.example' }, limited), (e: ActionError) => {
        assert.equal(e.code, 'rate_limited');
        assert.equal(e.retryable, true);
        assert.equal(e.retryAfterMs, 60_000);
        return true;
      });
    } finally {
      await limited.close();
    }
  });

  it('500, HTML, garbage and ok-without-data fail with a clear error', async () => {
    const replies: Record<
      string,
      { status?: number; text?: string; json?: unknown; headers?: Record<string, string> }
    > = {
      '500.example': { status: 500, json: { error: 'db down' } },
      'html.example': { text: '<html>Cloudflare</html>', headers: { 'content-type': 'text/html' } },
      'garbage.example': { text: 'ok', headers: { 'content-type': 'application/json' } },
      'nodata.example': { json: { query_status: 'ok', data: 'surprise' } },
    };
    const faulty = await startFakeThreatfox({
      intercept: (r) => replies[(JSON.parse(r.body) as { search_term: string }).search_term],
    });
    try {
      const search = (term: string) => run('search_ioc', { search_term: term }, faulty);
      await rejectsWith(search('500.example'), 'server_error', /500/);
      await rejectsWith(search('html.example'), 'invalid_response', /text\/html/);
      await rejectsWith(search('garbage.example'), 'invalid_response', /not JSON/);
      await rejectsWith(search('nodata.example'), 'invalid_response', /without a data list/);
    } finally {
      await faulty.close();
    }
  });

  it('conformance: reads the recorded ThreatFox answer (abusech/threatfox-api-query-response.json)', async (t) => {
    if (!existsSync(SAMPLE))
      return t.skip(`sample absent: ${SAMPLE.pathname} (../shared/fixtures is not checked out)`);
    const sample: unknown = JSON.parse(readFileSync(SAMPLE, 'utf8'));
    const recorded = await startFakeThreatfox({ intercept: () => ({ json: sample }) });
    try {
      const output = (await run('search_ioc', { search_term: 'cobalt' }, recorded)) as Out & {
        iocs: Record<string, unknown>[];
        malware: string[];
      };
      assert.equal(output.iocs.length, 2);
      assert.deepEqual(output.iocs[0], {
        id: '291780',
        ioc: 'https://188.131.211.152/activity',
        iocType: 'url',
        threatType: 'botnet_cc',
        malware: 'win.cobalt_strike',
        malwarePrintable: 'Cobalt Strike',
        malwareAliases: ['Agentemis', 'BEACON', 'CobaltStrike'],
        confidenceLevel: 100,
        firstSeen: '2022-01-07 16:29:58 UTC',
        lastSeen: null,
        reference: null,
        reporter: 'drb_ra',
        tags: ['CobaltStrike', 'Cobalt Strike'],
      });
      assert.deepEqual(output.iocs[1]!['tags'], [], 'tags: null reads as no tags');
      assert.deepEqual(output.malware, ['Cobalt Strike', 'Ave Maria']);
      assert.equal(
        findingOf(threatfox, 'search_ioc', { search_term: 'x.example' }, output).finding.score,
        100,
      );
    } finally {
      await recorded.close();
    }
  });
});
