import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { expectActionError, readFeed } from '../sdk/integration-test-kit.ts';
import type { FeedRequest } from '../sdk/alert-feed.ts';
import { okta } from './okta-integration.ts';
import { startFakeOkta, type FakeOkta } from './fake-okta.ts';
import type { FakeOktaEvent } from './fake-okta-logs.ts';
import { nextLink, OKTA_DEFAULT_FILTER } from './okta-log-feed.ts';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
let counter = 0;
const event = (eventType: string, published: string, severity = 'INFO'): FakeOktaEvent => ({
  uuid: `f790999f-fe87-467a-9880-${String(++counter).padStart(12, '0')}`,
  published,
  eventType,
  severity,
  version: '0',
  displayMessage: eventType,
  actor: { id: '00u1qw1mqitPHM8AJ0g7', type: 'User', alternateId: 'alice@example.com', displayName: 'Alice' },
  client: { ipAddress: '203.0.113.9' },
  outcome: { result: 'SUCCESS' },
  target: [],
});

const types = (records: unknown[]) => records.map((r) => (r as FakeOktaEvent).eventType);

describe('okta system log feed', () => {
  let fake: FakeOkta;
  const read = (request: Partial<FeedRequest> = {}) =>
    readFeed(
      okta,
      { baseUrl: fake.url, fields: { base_url: fake.url, api_token: fake.apiToken } },
      { startAt: minutesAgo(60), ...request },
    );
  const logRequests = () => fake.requests.filter((r) => r.path === '/api/v1/logs');

  beforeEach(async () => {
    fake = await startFakeOkta({
      events: [
        event('user.session.start', minutesAgo(50)),
        event('security.threat.detected', minutesAgo(45), 'WARN'),
        event('user.account.lock', minutesAgo(40), 'WARN'),
        event('user.session.start', minutesAgo(35)),
        event('user.mfa.factor.deactivate', minutesAgo(30)),
        event('policy.evaluate_sign_on', minutesAgo(25), 'ERROR'),
        event('user.session.start', minutesAgo(90)), // before the start
      ],
    });
  });
  afterEach(() => fake.close());

  it('starts a polling request (since, ASCENDING, limit, the default security filter) and follows the next links', async () => {
    const { records, pages } = await read({ pageSize: 2 });
    assert.deepEqual(types(records), [
      'security.threat.detected',
      'user.account.lock',
      'user.mfa.factor.deactivate',
      'policy.evaluate_sign_on',
    ]);
    assert.equal(pages, 3, 'two full pages, then a short one');
    const [first, second] = logRequests();
    assert.equal(first?.query.get('sortOrder'), 'ASCENDING');
    assert.equal(first?.query.get('limit'), '2');
    assert.equal(first?.query.get('filter'), OKTA_DEFAULT_FILTER);
    assert.ok(first?.query.get('since'));
    assert.equal(first?.query.get('until'), null, 'a polling request has no until');
    assert.equal(first?.headers['authorization'], `SSWS ${fake.apiToken}`);
    assert.equal(second?.query.get('since'), null, "Okta's own next link");
    assert.ok(second?.query.get('after'));
  });

  it('resumes from the stored next link: later events, and a late one Okta stored after the position, come once', async () => {
    const first = await read({ filter: null });
    assert.equal(first.records.length, 6);
    fake.logs.add(event('user.session.start', minutesAgo(5)));
    // Happened before the last event read, stored by Okta only now: a polling request still returns it.
    fake.logs.add(event('user.account.lock', minutesAgo(28), 'WARN'), new Date().toISOString());
    const second = await read({ filter: null, cursor: first.cursor });
    assert.deepEqual(types(second.records), ['user.session.start', 'user.account.lock']);
    assert.equal(logRequests().at(-1)?.query.get('since'), null);
    assert.deepEqual(
      (await read({ filter: null, cursor: second.cursor })).records,
      [],
      'an empty page, and a next link again',
    );
  });

  it('a changed filter starts a new polling request from the newest event read', async () => {
    const first = await read();
    const published = (first.cursor as { published: string }).published;
    await read({ filter: 'eventType eq "user.session.start"', cursor: first.cursor });
    const restart = logRequests().at(-1)!;
    assert.equal(restart.query.get('since'), published);
    assert.equal(restart.query.get('after'), null);
  });

  it('fails a page on what Okta refuses or garbles: 429 with its reset time, a bad filter, a body that is no list', async () => {
    fake.logs.fault = 'rate_limited';
    const limited = await expectActionError(read(), 'rate_limited', { pattern: /E0000047/ });
    assert.ok(
      limited.retryAfterMs! > 60_000 && limited.retryAfterMs! <= 121_000,
      String(limited.retryAfterMs),
    );
    fake.logs.fault = 'not_array';
    await expectActionError(read(), 'invalid_response', { pattern: /not a JSON array/ });
    fake.logs.fault = null;
    await expectActionError(read({ filter: 'published gt "2024-01-01"' }), 'bad_request', {
      pattern: /E0000053/,
    });
    await expectActionError(read({ pageSize: 1001 }), 'bad_request', { pattern: /limit/ });
  });

  it('refuses a next link off the org’s origin, and reads Link headers as Okta writes them', async () => {
    const cursor = {
      v: 1,
      query: `${OKTA_DEFAULT_FILTER}|500`,
      next: 'https://evil.example/api/v1/logs?after=x',
      published: null,
    };
    await expectActionError(read({ cursor }), 'invalid_response', { pattern: /off the instance's origin/ });
    assert.equal(
      nextLink(
        '<https://acme.okta.com/api/v1/logs?limit=2>; rel="self", <https://acme.okta.com/api/v1/logs?after=abc&limit=2>; rel="next"',
      ),
      'https://acme.okta.com/api/v1/logs?after=abc&limit=2',
    );
    assert.equal(nextLink('<https://acme.okta.com/api/v1/logs>; rel="self"'), null);
  });

  it('the fake answers bounded requests the way Okta documents: by published, finite pages', async () => {
    const url = `${fake.url}/api/v1/logs?since=${minutesAgo(60)}&until=${minutesAgo(20)}&limit=10`;
    const response = await fetch(url, { headers: { authorization: `SSWS ${fake.apiToken}` } });
    assert.equal(((await response.json()) as unknown[]).length, 6);
    assert.equal(nextLink(response.headers.get('link')), null);
  });
});
