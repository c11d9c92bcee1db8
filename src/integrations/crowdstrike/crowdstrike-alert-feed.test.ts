import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { context, expectActionError, readFeed } from '../sdk/integration-test-kit.ts';
import type { FeedRequest } from '../sdk/alert-feed.ts';
import { crowdstrike } from './crowdstrike-integration.ts';
import { startFakeCrowdStrike, type FakeCrowdStrike } from './fake-crowdstrike.ts';
import type { FakeFalconAlert } from './fake-falcon-alerts.ts';
import { crowdstrikeAlertFeed } from './crowdstrike-alert-feed.ts';

const CID = '0123456789abcdef0123456789abcdef';
const alert = (n: number, updated: string, extra: Partial<FakeFalconAlert> = {}): FakeFalconAlert => ({
  composite_id: `${CID}:ind:77d11725xxxxxxxxxxxxxxxxxxxxc48ca19:${1000 + n}-10-${n}`,
  aggregate_id: `aggind:77d11725:${n}`,
  cid: CID,
  product: 'epp',
  type: 'ldt',
  status: 'new',
  display_name: `MaliciousActivity ${n}`,
  description: 'A process made a suspicious call',
  severity: 70,
  severity_name: 'High',
  tactic: 'Execution',
  technique: 'Command and Scripting Interpreter',
  technique_id: 'T1059',
  timestamp: updated,
  created_timestamp: updated,
  updated_timestamp: updated,
  device: { hostname: `ws-${n}`, local_ip: '10.0.0.5' },
  ...extra,
});

const names = (records: unknown[]) => records.map((r) => (r as FakeFalconAlert).display_name);

describe('crowdstrike alert feed', () => {
  let fake: FakeCrowdStrike;
  const options = () => ({
    baseUrl: fake.url,
    fields: { client_id: fake.clientId, client_secret: fake.clientSecret },
  });
  const read = (request: Partial<FeedRequest> = {}) => readFeed(crowdstrike, options(), request);
  const queries = () => fake.requests.filter((r) => r.path === '/alerts/queries/alerts/v2');

  beforeEach(async () => {
    fake = await startFakeCrowdStrike({
      alerts: [
        alert(1, '2024-05-01T10:00:00.100000001Z'),
        alert(2, '2024-05-01T10:00:00.637481021Z'),
        alert(3, '2024-05-01T10:00:00.637481022Z'),
        alert(4, '2024-05-01T10:00:00.637999999Z'),
        alert(5, '2024-05-01T11:00:00Z'),
        alert(6, '2024-04-29T11:00:00Z'),
      ],
    });
  });
  afterEach(() => fake.close());

  it('queries ids updated since the start, oldest first, then reads their details; every alert once, in update order', async () => {
    const { records, pages } = await read({ pageSize: 2 });
    assert.deepEqual(
      names(records),
      [1, 2, 3, 4, 5].map((n) => `MaliciousActivity ${n}`),
    );
    assert.equal(pages, 3);
    const [first] = queries();
    assert.equal(first?.query.get('filter'), "updated_timestamp:>='2024-04-30T23:55:00.000Z'");
    assert.equal(first?.query.get('sort'), 'updated_timestamp|asc');
    assert.equal(first?.query.get('limit'), '2');
    const details = fake.requests.find((r) => r.path === '/alerts/entities/alerts/v2');
    assert.equal(details?.method, 'POST');
    assert.equal(JSON.parse(details!.body).composite_ids.length, 2);
  });

  it('pages by update time, skipping only what was read at the page’s last millisecond (three alerts share one)', async () => {
    await read({ pageSize: 2 });
    assert.deepEqual(
      queries().map((q) => [q.query.get('filter'), q.query.get('offset')]),
      [
        ["updated_timestamp:>='2024-04-30T23:55:00.000Z'", '0'],
        // Alert 2 was read at 10:00:00.637, which alerts 3 and 4 share: the next page skips one.
        ["updated_timestamp:>='2024-05-01T10:00:00.637Z'", '1'],
        // That page ended on the same millisecond: three read at it now.
        ["updated_timestamp:>='2024-05-01T10:00:00.637Z'", '3'],
      ],
    );
  });

  it('an alert updated while a sweep walks the pages moves later and is read again; none is skipped', async () => {
    const ctx = context(crowdstrike, options());
    const request = {
      startAt: '2024-05-01T00:00:00.000Z',
      pageSize: 2,
      overlapSeconds: 300,
      filter: null,
      baseUrl: fake.url,
    };
    const seen: string[] = [];
    let page = await crowdstrikeAlertFeed.fetchPage(ctx, { ...request, cursor: null });
    seen.push(...names(page.records));
    // Alert 1, already read, changes (an analyst closed it in the console).
    fake.alertStore.put(
      alert(1, '2024-05-01T10:00:00.100000001Z', {
        updated_timestamp: '2024-05-01T12:00:00Z',
        status: 'closed',
      }),
    );
    while (page.more) {
      page = await crowdstrikeAlertFeed.fetchPage(ctx, { ...request, cursor: page.cursor });
      seen.push(...names(page.records));
    }
    assert.deepEqual(
      seen,
      [1, 2, 3, 4, 5, 1].map((n) => `MaliciousActivity ${n}`),
    );
  });

  it('resumes from the watermark minus the overlap and hands over only what is new or changed', async () => {
    const first = await read();
    fake.alertStore.put(alert(7, '2024-05-01T10:58:00Z')); // indexed late, inside the overlap
    fake.alertStore.put(
      alert(2, '2024-05-01T10:00:00.637481021Z', { updated_timestamp: '2024-05-01T11:30:00Z' }),
    );
    const second = await read({ cursor: first.cursor });
    assert.deepEqual(names(second.records), ['MaliciousActivity 7', 'MaliciousActivity 2']);
    assert.equal(queries().at(-1)?.query.get('filter'), "updated_timestamp:>='2024-05-01T10:55:00.000Z'");
    assert.deepEqual((await read({ cursor: second.cursor })).records, []);
  });

  it('ANDs the source filter (FQL) with the time condition', async () => {
    fake.alertStore.put(alert(8, '2024-05-01T12:00:00Z', { product: 'idp' }));
    const { records } = await read({ filter: "product:'idp'" });
    assert.deepEqual(names(records), ['MaliciousActivity 8']);
    assert.equal(
      queries()[0]?.query.get('filter'),
      "updated_timestamp:>='2024-04-30T23:55:00.000Z'+(product:'idp')",
    );
    await expectActionError(read({ filter: 'product=idp' }), 'bad_request', { pattern: /Invalid filter/ });
  });

  it('a 429 carries X-RateLimit-RetryAfter back as the wait; garbage fails the page', async () => {
    fake.alertStore.fault = 'rate_limited';
    const limited = await expectActionError(read(), 'rate_limited');
    assert.ok(
      limited.retryAfterMs! > 60_000 && limited.retryAfterMs! <= 121_000,
      String(limited.retryAfterMs),
    );
    fake.alertStore.fault = 'no_resources';
    await expectActionError(read(), 'invalid_response', {
      pattern: /without "resources" \(internal error\)/,
    });
    fake.alertStore.fault = 'not_json';
    await expectActionError(read(), 'invalid_response', { pattern: /not JSON/ });
  });

  it('the fake pages the way Falcon does: limit up to 1,000, offset within the first 10,000', async () => {
    await expectActionError(read({ pageSize: 1001 }), 'bad_request', { pattern: /limit/ });
  });
});
