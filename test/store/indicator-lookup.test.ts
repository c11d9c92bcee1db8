import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../support/harness.ts';
import { databaseKinds } from '../support/test-databases.ts';

const ACTOR = { id: 't', type: 'system' as const };
const AGENT_TESLA = 'a'.repeat(64);
const LOADER_MD5 = 'b'.repeat(32);

const ioc = (over: Record<string, unknown>) => ({
  id: '1',
  threat_type: 'payload',
  malware_printable: 'Agent Tesla',
  confidence_level: 100,
  first_seen: '2025-01-07 16:29:58 UTC',
  tags: [],
  ...over,
});

for (const kind of databaseKinds()) {
  describe(`riposte.lookup_indicator on ${kind}`, () => {
    let h: Harness;
    const lookup = (type: string, value: string) =>
      h.riposte.actions.get('riposte.lookup_indicator')!.run(
        { type, value },
        {
          idempotencyKey: 'k',
          attempt: 1,
          runId: 'run_t',
          stepKey: 's',
          signal: new AbortController().signal,
        },
      ) as Promise<Record<string, unknown>>;

    before(async () => {
      h = await startHarness(kind);
      const feed = (data: unknown[]) => JSON.stringify({ query_status: 'ok', data });
      await h.riposte.intel.indicators.import(
        feed([
          ioc({ id: '1', ioc: AGENT_TESLA, ioc_type: 'sha256_hash' }),
          ioc({
            id: '2',
            ioc: LOADER_MD5,
            ioc_type: 'md5_hash',
            malware_printable: 'GuLoader',
            confidence_level: 50,
          }),
        ]),
        { format: 'threatfox', source: 'threatfox' },
        ACTOR,
      );
      // The same hash from a second feed, already expired: it no longer counts.
      await h.riposte.intel.indicators.import(
        feed([ioc({ id: '3', ioc: AGENT_TESLA, ioc_type: 'sha256_hash', malware_printable: 'Old label' })]),
        { format: 'threatfox', source: 'stale-feed', ttl: '1h', now: new Date('2020-01-01T00:00:00Z') },
        ACTOR,
      );
    });
    after(() => h.close());

    it('answers the live indicators of a value, canonicalized, with a verdict from their confidence', async () => {
      const found = await lookup('sha256', AGENT_TESLA.toUpperCase());
      assert.deepEqual(found, {
        found: true,
        type: 'sha256',
        value: AGENT_TESLA.toUpperCase(),
        verdict: 'malicious',
        maxConfidence: 100,
        threats: ['Agent Tesla'],
        sources: [{ source: 'threatfox', confidence: 100, threat: 'Agent Tesla', labels: ['payload'] }],
      });
      const weak = await lookup('md5', LOADER_MD5);
      assert.deepEqual([weak['verdict'], weak['maxConfidence']], ['suspicious', 50]);
    });

    it('answers unknown for a value no live indicator names', async () => {
      const none = await lookup('sha256', 'c'.repeat(64));
      assert.deepEqual([none['found'], none['verdict'], none['sources']], [false, 'unknown', []]);
    });
  });
}
