import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ActionError } from '../../core/action.ts';
import { findingOf, runIntegrationAction, testIntegrationConnection } from '../sdk/integration-test-kit.ts';
import { startFakeMisp, type FakeMisp } from './fake-misp.ts';
import { mispIntegration as misp } from './misp-integration.ts';
import { observableOf } from './search-attributes.ts';

const KEY = 'test-misp-key';
const FIXTURES = new URL('../../../../shared/fixtures/misp/', import.meta.url);

const rejectsWith = (promise: Promise<unknown>, code: string, pattern?: RegExp) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ActionError, String(error));
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, new RegExp(KEY), 'no credential in the message');
    return true;
  });

type Search = {
  found: boolean;
  count: number;
  attributes: { id: string; value: string; toIds: boolean; tags: string[]; eventInfo: string | null }[];
  pagesFetched: number;
  hasMore: boolean;
};

describe('misp', () => {
  let fake: FakeMisp;
  const options = (server: FakeMisp, key = KEY) => ({
    baseUrl: server.url,
    fields: { api_key: key, base_url: server.url },
  });
  const run = (name: string, input: Record<string, unknown>, server = fake, key = KEY) =>
    runIntegrationAction(misp, name, input, options(server, key));

  before(async () => {
    fake = await startFakeMisp({
      apiKey: KEY,
      attributes: [
        { value: 'evil.example', type: 'domain', toIds: true, tags: ['tlp:amber'] },
        { value: 'evil.example', type: 'hostname', toIds: false, eventId: '43' },
        { value: 'victim@corp.example', type: 'email-dst', toIds: false, category: 'Payload delivery' },
        ...Array.from({ length: 5 }, (_, i) => ({ value: `10.9.9.${i}`, type: 'ip-dst', toIds: true })),
        { value: 'gone.example', type: 'domain', deleted: true },
      ],
    });
  });
  after(() => fake.close());

  it('search_attributes posts the restSearch body with Authorization and JSON headers', async () => {
    const output = (await run('search_attributes', { value: 'evil.example', type: 'domain' })) as Search;
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.method, 'POST');
    assert.equal(sent.path, '/attributes/restSearch');
    assert.equal(sent.headers['authorization'], KEY);
    assert.match(String(sent.headers['accept']), /application\/json/);
    assert.match(String(sent.headers['content-type']), /application\/json/);
    assert.deepEqual(JSON.parse(sent.body), {
      returnFormat: 'json',
      value: 'evil.example',
      type: 'domain',
      limit: 100,
      page: 1,
    });
    assert.equal(output.count, 1);
    assert.deepEqual(output.attributes[0]!.tags, ['tlp:amber']);
    assert.equal(output.attributes[0]!.eventInfo, 'Phishing campaign');
  });

  it('maps to_ids to malicious, presence without it to suspicious, nothing to unknown', async () => {
    const both = await run('search_attributes', { value: 'evil.example' });
    assert.deepEqual(findingOf(misp, 'search_attributes', { value: 'evil.example' }, both), {
      observable: { type: 'domain', value: 'evil.example' },
      finding: { verdict: 'malicious', score: 80, summary: '2 attribute(s) in 2 event(s), 1 flagged to_ids' },
    });
    const context = await run('search_attributes', { value: 'victim@corp.example' });
    assert.deepEqual(
      findingOf(misp, 'search_attributes', { value: 'victim@corp.example' }, context).finding,
      {
        verdict: 'suspicious',
        score: 40,
        summary: '1 attribute(s) in 1 event(s), none flagged to_ids',
      },
    );
    const none = await run('search_attributes', { value: 'gone.example' });
    assert.equal((none as Search).found, false, 'deleted attributes are not found');
    assert.deepEqual(findingOf(misp, 'search_attributes', { value: 'gone.example' }, none).finding, {
      verdict: 'unknown',
      score: null,
      summary: 'not in MISP',
    });
  });

  it('paginates by page and limit until a page comes back short', async () => {
    const before = fake.requests.length;
    const output = (await run('search_attributes', { value: '10.9.9.%', limit: 2, max_pages: 5 })) as Search;
    const pages = fake.requests.slice(before).map((r) => JSON.parse(r.body).page);
    assert.deepEqual(pages, [1, 2, 3]);
    assert.equal(output.count, 5);
    assert.equal(output.pagesFetched, 3);
    assert.equal(output.hasMore, false);
    const capped = (await run('search_attributes', { value: '10.9.9.%', limit: 2, page: 2 })) as Search;
    assert.deepEqual(
      capped.attributes.map((a) => a.value),
      ['10.9.9.2', '10.9.9.3'],
    );
    assert.equal(capped.hasMore, true, 'a full last page may have a successor');
    assert.equal(findingOf(misp, 'search_attributes', { value: '10.9.9.%' }, capped).observable, null);
  });

  it('add_sighting by value posts {value, source, type} with the step’s key in the source', async () => {
    const output = (await run('add_sighting', { value: 'evil.example' })) as Record<string, unknown>;
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, '/sightings/add');
    assert.deepEqual(JSON.parse(sent.body), {
      value: 'evil.example',
      source: 'riposte [run_test:step:1]',
      type: '0',
    });
    assert.equal(output['deduplicated'], false);
    assert.equal(fake.sightings.length, 2, 'MISP sights every attribute holding the value');
  });

  it('add_sighting is idempotent: the same step does not sight twice', async () => {
    const count = fake.sightings.length;
    const again = (await run('add_sighting', { value: 'evil.example' })) as Record<string, unknown>;
    assert.equal(again['deduplicated'], true);
    assert.equal(fake.sightings.length, count);
    assert.equal(fake.requests.at(-1)!.path, '/sightings/restSearch');
  });

  it('add_sighting by attribute id posts to /sightings/add/{id}, false positives as type 1', async () => {
    const id = fake.sightings.length; // a fresh source keeps this call apart from the earlier ones
    const output = (await run('add_sighting', {
      attribute_id: '1002',
      type: 'false_positive',
      source: `soc-${id}`,
    })) as { sighting: { attributeId: string; type: string } };
    assert.equal(fake.requests.at(-1)!.path, '/sightings/add/1002');
    assert.deepEqual(JSON.parse(fake.requests.at(-1)!.body), {
      source: `soc-${id} [run_test:step:1]`,
      type: '1',
    });
    assert.equal(output.sighting.attributeId, '1002');
    assert.equal(output.sighting.type, '1');
    assert.equal(misp.actions.find((a) => a.name === 'add_sighting')!.effect, 'write');
  });

  it('add_sighting: a value MISP does not hold is refused clearly; value xor attribute_id', async () => {
    await rejectsWith(
      run('add_sighting', { value: 'unknown.example', source: 'x1' }),
      'rejected',
      /No valid attributes/,
    );
    await rejectsWith(run('add_sighting', { value: 'a', attribute_id: '1' }), 'invalid_input');
    await rejectsWith(run('add_sighting', {}), 'invalid_input');
  });

  it('a bad API key fails as unauthorized with MISP’s message, not retried', async () => {
    await rejectsWith(
      run('search_attributes', { value: 'evil.example' }, fake, 'wrong-key'),
      'unauthorized',
      /Authentication failed/,
    );
    await rejectsWith(run('add_sighting', { value: 'evil.example' }, fake, 'wrong-key'), 'unauthorized');
    await rejectsWith(testIntegrationConnection(misp, options(fake, 'wrong-key')), 'unauthorized');
  });

  it('refuses to run without the instance’s base_url', async () => {
    const before = fake.requests.length;
    await rejectsWith(
      runIntegrationAction(
        misp,
        'search_attributes',
        { value: 'x' },
        { baseUrl: fake.url, fields: { api_key: KEY } },
      ),
      'not_configured',
    );
    assert.equal(fake.requests.length, before);
  });

  it('testConnection reads /servers/getVersion', async () => {
    await testIntegrationConnection(misp, options(fake));
    assert.equal(fake.requests.at(-1)!.path, '/servers/getVersion');
  });

  it('a 429 from a proxy in front of MISP is retryable with its Retry-After', async () => {
    const limited = await startFakeMisp({ requestsBeforeLimit: 0 });
    try {
      await assert.rejects(run('search_attributes', { value: 'x' }, limited), (e: ActionError) => {
        assert.equal(e.code, 'rate_limited');
        assert.equal(e.retryAfterMs, 60_000);
        return true;
      });
    } finally {
      await limited.close();
    }
  });

  it('500, the HTML login page, garbage and a wrong shape fail with a clear error', async () => {
    const replies: Record<
      string,
      { status?: number; text?: string; json?: unknown; headers?: Record<string, string> }
    > = {
      '500': { status: 500, text: 'Internal Error' },
      html: { text: '<html><title>Users - MISP</title></html>', headers: { 'content-type': 'text/html' } },
      garbage: { text: '{"response": {', headers: { 'content-type': 'application/json' } },
      shape: { json: { Attribute: [] } },
    };
    const faulty = await startFakeMisp({ intercept: (r) => replies[JSON.parse(r.body || '{}').value] });
    try {
      const search = (value: string) => run('search_attributes', { value }, faulty);
      await rejectsWith(search('500'), 'server_error');
      await rejectsWith(search('html'), 'invalid_response', /text\/html/);
      await rejectsWith(search('garbage'), 'invalid_response', /not JSON/);
      await rejectsWith(search('shape'), 'invalid_response', /response\.Attribute/);
    } finally {
      await faulty.close();
    }
  });

  it('reads what a search names', () => {
    assert.deepEqual(observableOf('2001:db8::5'), { type: 'ipv6', value: '2001:db8::5' });
    assert.deepEqual(observableOf('x.exe', 'filename'), { type: 'filename', value: 'x.exe' });
    assert.deepEqual(observableOf('A'.repeat(64)), { type: 'sha256', value: 'a'.repeat(64) });
    assert.equal(observableOf('Key: TEA, 8 rounds'), null);
  });

  it('conformance: real MISP attributes (misp/*.json events) served as a restSearch answer', async (t) => {
    const xorist = new URL('misp-event-xorist-ransomware.json', FIXTURES);
    const sednit = new URL('misp-event-sednit-fancy-bear.json', FIXTURES);
    if (!existsSync(xorist) || !existsSync(sednit))
      return t.skip(`samples absent under ${FIXTURES.pathname} (../shared/fixtures is not checked out)`);
    type Event = {
      Attribute: Record<string, unknown>[];
      Object?: { Attribute: Record<string, unknown>[] }[];
    };
    // One file wraps the event in {"Event": …} (the API's shape), the other is the bare event.
    const attributesOf = (url: URL) => {
      const parsed = JSON.parse(readFileSync(url, 'utf8')) as { Event?: Event } & Event;
      const event = parsed.Event ?? parsed;
      return [...event.Attribute, ...(event.Object ?? []).flatMap((o) => o.Attribute)];
    };
    const all = [...attributesOf(xorist), ...attributesOf(sednit)];
    const recorded = await startFakeMisp({
      apiKey: KEY,
      intercept: (r) => {
        const value = JSON.parse(r.body).value as string;
        return { json: { response: { Attribute: all.filter((a) => a['value'] === value) } } };
      },
    });
    try {
      const sha = 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68';
      const hash = (await run('search_attributes', { value: sha }, recorded)) as Search;
      assert.equal(hash.count, 1);
      assert.equal(hash.attributes[0]!.toIds, true);
      assert.equal(findingOf(misp, 'search_attributes', { value: sha }, hash).finding.verdict, 'malicious');

      const link = 'https://www.welivesecurity.com/2017/12/21/sednit-update-fancy-bear-spent-year/';
      const blog = (await run('search_attributes', { value: link }, recorded)) as Search;
      assert.deepEqual(blog.attributes[0], {
        id: '1188757',
        eventId: '9747',
        eventInfo: null,
        type: 'link',
        category: 'External analysis',
        value: link,
        toIds: false,
        comment: '',
        timestamp: '2017-12-21T22:05:21.000Z',
        tags: ['osint:source-type="blog-post"', 'osint:certainty="93"'],
      });
      assert.equal(findingOf(misp, 'search_attributes', { value: link }, blog).finding.verdict, 'suspicious');

      const doc = (await run('search_attributes', { value: 'Bulletin.doc' }, recorded)) as Search;
      assert.equal(doc.attributes[0]!.toIds, true, 'object attributes read the same');
    } finally {
      await recorded.close();
    }
  });
});
