import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { expectActionError, readFeed } from '../sdk/integration-test-kit.ts';
import type { FeedRequest } from '../sdk/alert-feed.ts';
import { defender } from './defender-integration.ts';
import { startFakeDefender, type FakeDefender } from './fake-defender.ts';
import type { FakeDefenderAlert } from './fake-defender-alerts.ts';

const alert = (n: number, updated: string, extra: Partial<FakeDefenderAlert> = {}): FakeDefenderAlert => ({
  id: `da63747290038283886${n}_136496960${n}`,
  title: `Suspicious behaviour ${n}`,
  severity: 'Medium',
  status: 'New',
  category: 'Execution',
  alertCreationTime: updated,
  lastUpdateTime: updated,
  firstEventTime: updated,
  computerDnsName: `ws-${n}.contoso.com`,
  evidence: [{ entityType: 'File', sha1: 'ff836cfb1af40252bd2a2ea843032e99a5b262ed', fileName: `x${n}.dll` }],
  ...extra,
});

const titles = (records: unknown[]) => records.map((r) => (r as { title: string }).title).sort();

describe('defender alert feed', () => {
  let fake: FakeDefender;
  const read = (request: Partial<FeedRequest> = {}) =>
    readFeed(
      defender,
      {
        baseUrl: fake.url,
        fields: {
          tenant_id: fake.tenantId,
          client_id: fake.clientId,
          client_secret: fake.clientSecret,
          token_url: fake.tokenUrl,
        },
      },
      request,
    );
  const listings = () => fake.requests.filter((r) => r.path === '/api/alerts');

  beforeEach(async () => {
    fake = await startFakeDefender({
      alerts: [
        alert(1, '2024-05-01T10:00:00.1234567Z'),
        alert(2, '2024-05-01T11:00:00Z'),
        alert(3, '2024-05-01T12:00:00Z'),
        alert(4, '2024-05-01T13:00:00Z'),
        alert(5, '2024-05-01T14:00:00Z'),
        // Before the start: not read.
        alert(6, '2024-04-30T09:00:00Z'),
      ],
    });
  });
  afterEach(() => fake.close());

  it('reads every alert updated since the start, a page of $top at a time with evidence, following @odata.nextLink', async () => {
    const { records, pages } = await read({ pageSize: 2 });
    assert.deepEqual(
      titles(records),
      [1, 2, 3, 4, 5].map((n) => `Suspicious behaviour ${n}`),
    );
    assert.equal(pages, 3);
    const [first, second] = listings();
    assert.equal(first?.query.get('$filter'), 'lastUpdateTime ge 2024-04-30T23:55:00.000Z');
    assert.equal(first?.query.get('$top'), '2');
    assert.equal(first?.query.get('$expand'), 'evidence');
    assert.equal(second?.query.get('$skip'), null, 'the next link, not a position of our own');
    assert.ok(second?.query.get('$skiptoken'), 'the next link, not a position of our own');
    assert.match(String(first?.headers['authorization']), /^Bearer /);
    assert.ok((records[0] as { evidence: unknown[] }).evidence.length > 0, 'evidence expanded');
  });

  it('without @odata.nextLink pages by $skip until a page is short', async () => {
    fake.alertList.nextLinks = false;
    const { records, pages } = await read({ pageSize: 2 });
    assert.equal(records.length, 5);
    assert.equal(pages, 3);
    assert.deepEqual(
      listings().map((r) => [r.query.get('$skip'), r.query.get('$skiptoken')]),
      [
        ['0', null],
        ['2', null],
        ['4', null],
      ],
    );
  });

  it('resumes from the watermark: only what changed is handed over, a late alert inside the overlap is found', async () => {
    const first = await read();
    assert.equal(first.records.length, 5);
    fake.alertList.put(
      alert(3, '2024-05-01T12:00:00Z', { lastUpdateTime: '2024-05-01T15:00:00Z', status: 'Resolved' }),
    );
    // Indexed late: updated before the watermark (14:00), within the five minutes of overlap.
    fake.alertList.put(alert(7, '2024-05-01T13:57:00Z'));
    fake.alertList.put(alert(8, '2024-05-01T15:30:00Z'));
    const before = listings().length;
    const second = await read({ cursor: first.cursor });
    assert.deepEqual(titles(second.records), [
      'Suspicious behaviour 3',
      'Suspicious behaviour 7',
      'Suspicious behaviour 8',
    ]);
    assert.equal(listings()[before]?.query.get('$filter'), 'lastUpdateTime ge 2024-05-01T13:55:00.000Z');
    const third = await read({ cursor: second.cursor });
    assert.deepEqual(third.records, [], 'read again inside the overlap, handed over once');
  });

  it('ANDs the source filter with the time condition', async () => {
    fake.alertList.put(alert(9, '2024-05-01T16:00:00Z', { severity: 'High' }));
    const { records } = await read({ filter: "severity eq 'High'" });
    assert.deepEqual(titles(records), ['Suspicious behaviour 9']);
    assert.equal(
      listings()[0]?.query.get('$filter'),
      "lastUpdateTime ge 2024-04-30T23:55:00.000Z and (severity eq 'High')",
    );
  });

  it('a page that fails leaves the position to the caller: 401, a list without value, a body that is not JSON', async () => {
    const { cursor } = await read();
    fake.alertList.fault = 'unauthorized';
    await expectActionError(read({ cursor }), 'unauthorized', {
      pattern: /Defender refused \/api\/alerts \(401\)/,
    });
    fake.alertList.fault = 'no_value';
    await expectActionError(read({ cursor }), 'invalid_response', { pattern: /without "value"/ });
    fake.alertList.fault = 'not_json';
    await expectActionError(read({ cursor }), 'invalid_response', { pattern: /not JSON/ });
  });

  it('a 429 comes back with the Retry-After for the poller to wait out', async () => {
    fake.alertList.fault = 'rate_limited';
    const error = await expectActionError(read(), 'rate_limited');
    assert.equal(error.retryAfterMs, 120_000);
  });

  it('does not follow a next link to another origin (the request would carry the token there)', async () => {
    const elsewhere = 'https://attacker.example/api/alerts?$skip=2';
    const cursor = {
      v: 1,
      query: '',
      watermark: '2024-05-01T00:00:00.000Z',
      sweep: {
        from: '2024-05-01T00:00:00.000Z',
        next: elsewhere,
        skip: 2,
        at: '2024-05-01T00:00:00.000Z',
        high: '2024-05-01T00:00:00.000Z',
      },
      seen: {},
    };
    await expectActionError(read({ cursor }), 'invalid_response', { pattern: /off the instance's origin/ });
    assert.equal(listings().length, 0);
  });

  it('the fake refuses what Defender refuses: an undocumented $filter, $top over 10,000', async () => {
    const { status } = await fetch(`${fake.url}/api/alerts?$filter=title eq 'x'`, {
      headers: { authorization: 'Bearer none' },
    });
    assert.equal(status, 401, 'no token, no answer');
    fake.alertList.put(alert(10, '2024-05-02T00:00:00Z'));
    await expectActionError(read({ filter: "title eq 'x'" }), 'bad_request', { pattern: /ODataError/ });
    await expectActionError(read({ pageSize: 10_001 }), 'bad_request', { pattern: /\$top/ });
  });
});
