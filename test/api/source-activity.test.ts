import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACTIVITY_CAP, type SourceActivity } from '../../src/sources/source-service.ts';
import { eveAlert } from '../fixtures/own/suricata-eve.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const ACTOR = { id: 'test', type: 'system' as const };
const HOUR = 3_600_000;

/** `GET /api/v1/sources` tells what each source sent lately: a quiet sensor shows as one. */
for (const kind of databaseKinds()) {
  describe(`sources' activity on ${kind}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(kind);
      for (const name of ['busy-ids', 'quiet-ids'])
        await h.riposte.sources.create({ name, format: 'suricata' }, ACTOR);
    });
    after(() => h.close());

    const ingest = async (name: string, count: number, firstSid: number) => {
      const body = Array.from({ length: count }, (_, i) =>
        eveAlert({ sid: firstSid + i, srcIp: `10.88.${(i >> 8) & 255}.${i & 255}` }),
      );
      const result = await h.riposte.ingest.ingest(
        await h.riposte.sources.get(name),
        JSON.stringify(body),
        'application/json',
        ACTOR,
      );
      assert.equal(result.accepted, count);
    };
    const activity = async () => {
      const res = await h.as('analyst', { method: 'GET', url: '/api/v1/sources' });
      assert.equal(res.statusCode, 200, res.body);
      const items = res.json().items as { name: string; activity: SourceActivity }[];
      return new Map(items.map((s) => [s.name, s.activity]));
    };

    it('gives each source its newest alert and the last hour’s count; none for a source that sent nothing', async () => {
      const before = Date.now();
      await ingest('busy-ids', 3, 6_100_000);
      const seen = await activity();
      const busy = seen.get('busy-ids')!;
      assert.equal(busy.lastHour, 3);
      assert.equal(busy.lastHourCapped, false);
      assert.ok(Date.parse(busy.lastAlertAt!) >= before - 1_000, `last alert at ${busy.lastAlertAt}`);
      assert.deepEqual(seen.get('quiet-ids'), { lastAlertAt: null, lastHour: 0, lastHourCapped: false });
    });

    it('counts up to its cap, and says when there were more', async () => {
      await ingest('quiet-ids', ACTIVITY_CAP + 1, 6_200_000);
      const quiet = (await activity()).get('quiet-ids')!;
      assert.deepEqual([quiet.lastHour, quiet.lastHourCapped], [ACTIVITY_CAP, true]);
    });

    it('an hour later the count is back to nothing, and the newest alert stays what it was', async () => {
      const was = (await activity()).get('busy-ids')!;
      const realNow = Date.now.bind(Date);
      Date.now = () => realNow() + HOUR + 60_000;
      try {
        const later = (await activity()).get('busy-ids')!;
        assert.deepEqual(later, { lastAlertAt: was.lastAlertAt, lastHour: 0, lastHourCapped: false });
      } finally {
        Date.now = realNow;
      }
    });
  });
}
