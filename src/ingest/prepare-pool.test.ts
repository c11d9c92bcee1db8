import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { eveAlert } from '../../test/fixtures/own/suricata-eve.ts';
import type { Source } from '../sources/source-service.ts';
import { IngestService, SMALL_BODY_MAX_BACKLOG, THREAD_MIN_BODY } from './ingest-service.ts';
import type { IngestJob, IngestWriter } from './ingest-writer.ts';
import { prepareBody, type SourceRef } from './prepare-body.ts';
import { PreparePool } from './prepare-pool.ts';

const source: SourceRef = { name: 'ids', format: 'suricata', options: {} };
const receivedAt = '2026-11-30T10:00:00.000Z';

function ndjson(count: number, badAt: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i === badAt) lines.push('{"event_type": "alert", "alert": ');
    else lines.push(JSON.stringify(eveAlert({ srcIp: `10.9.${i >> 8}.${i & 255}`, sid: 9000 + i })));
  }
  return lines.join('\n');
}

describe('ingest threads', () => {
  const pool = new PreparePool(2);
  after(() => pool.close());

  it('prepare a body exactly as the request thread does', async () => {
    const body = ndjson(300, 17);
    const here = prepareBody(source, body, 'application/x-ndjson', receivedAt);
    const there = await pool.prepare(source, body, 'application/x-ndjson', receivedAt);
    assert.equal(there.records, 300);
    assert.deepEqual(there.rejected, here.rejected);
    assert.equal(there.rejected[0]!.index, 17);
    assert.equal(there.alerts.length, 299);
    assert.deepEqual(there.alerts, here.alerts);
    const second = there.alerts[17]!;
    assert.equal(JSON.parse(second.raw).src_ip, '10.9.0.18');
    assert.equal(second.ruleId, '9018');
    assert.ok((JSON.parse(second.observables) as { value: string }[]).some((o) => o.value === '10.9.0.18'));
  });

  it('decode a body sent as bytes, also when they are a view into a larger buffer', async () => {
    const text = ndjson(40, 3);
    const here = prepareBody(source, text, 'application/x-ndjson', receivedAt);
    const bytes = Buffer.from(text);
    // The request's bytes in the middle of a buffer holding other data, as Node's pool holds small ones.
    const shared = Buffer.concat([Buffer.from('xxxx'), bytes, Buffer.from('yyyy')]);
    const view = shared.subarray(4, 4 + bytes.length);
    for (const body of [bytes, view]) {
      const there = await pool.prepare(source, body, 'application/x-ndjson', receivedAt);
      assert.deepEqual(there, here);
    }
    assert.equal(view.toString(), text, 'the caller keeps its bytes, to prepare the body itself if need be');
  });

  it('prepare the fields the writer stores, the lists and the raw event as their JSON', () => {
    const event = eveAlert({ srcIp: '10.9.9.9', sid: 4242 });
    const [alert] = prepareBody(source, JSON.stringify(event), 'application/json', receivedAt).alerts;
    assert.ok(alert);
    assert.equal(alert.raw, JSON.stringify(event));
    assert.equal(alert.ruleId, '4242');
    assert.equal(typeof alert.title, 'string');
    assert.match(alert.fingerprint, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(Array.isArray(JSON.parse(alert.mitre)));
  });

  it('spread concurrent bodies over the threads and answer each with its own alerts', async () => {
    const bodies = [0, 1, 2, 3, 4, 5].map((k) =>
      JSON.stringify([
        eveAlert({ srcIp: `10.8.0.${k}`, sid: 100 + k }),
        eveAlert({ srcIp: '10.8.1.1', sid: k }),
      ]),
    );
    const results = await Promise.all(
      bodies.map((b) => pool.prepare(source, b, 'application/json', receivedAt)),
    );
    results.forEach((result, k) => {
      assert.equal(result.alerts.length, 2);
      assert.equal(JSON.parse(result.alerts[0]!.raw).src_ip, `10.8.0.${k}`);
    });
  });

  it('refuse work once closed (the ingest service then prepares in the request thread)', async () => {
    const closed = new PreparePool(1);
    await closed.prepare(source, ndjson(2, -1), 'application/x-ndjson', receivedAt);
    await closed.close();
    await assert.rejects(closed.prepare(source, '{}', 'application/json', receivedAt), /closed/);
  });
});

describe('ingest service with ingest threads', () => {
  const stored: Source = {
    ...source,
    requireSignature: false,
    createdAt: receivedAt,
    createdBy: 'test',
    tokenRotatedAt: null,
    previousTokenValidUntil: null,
    expectWithinSeconds: null,
    lastReceivedAt: null,
    silentSince: null,
    alertLimitPerMinute: null,
  };
  const actor = { id: 'ids', type: 'source' as const };
  const recording = () => {
    const jobs: IngestJob[] = [];
    const writer = {
      write: async (job: IngestJob) => {
        jobs.push(job);
        return { alertIds: job.alerts.map((_, i) => `alert_${i}`), duplicates: 0 };
      },
    } as unknown as IngestWriter;
    return { jobs, writer };
  };

  it('sends bodies to a thread, but prepares a small one here while the threads are busy with large ones', async () => {
    const pool = new PreparePool(1);
    let onThread = 0;
    const counting = {
      prepare: (...args: Parameters<PreparePool['prepare']>) => {
        onThread++;
        return pool.prepare(...args);
      },
      backlog: () => pool.backlog(),
      warm: () => pool.warm(),
    } as PreparePool;
    try {
      const { jobs, writer } = recording();
      const service = new IngestService(writer, counting);
      const large = ndjson(200, -1);
      assert.ok(large.length >= THREAD_MIN_BODY && large.length >= SMALL_BODY_MAX_BACKLOG);
      const small = ndjson(2, -1);
      assert.ok(small.length < THREAD_MIN_BODY);

      assert.equal(pool.backlog(), Infinity, 'no thread yet');
      assert.equal((await service.ingest(stored, small, 'application/x-ndjson', actor)).accepted, 2);
      assert.equal(onThread, 0, 'a small body does not wait for a thread to start…');
      await pool.ready();
      assert.equal(pool.backlog(), 0, '…but starts one');
      assert.equal((await service.ingest(stored, small, 'application/x-ndjson', actor)).accepted, 2);
      assert.equal(onThread, 1, 'a small body goes to an idle thread');

      const bulk = service.ingest(stored, large, 'application/x-ndjson', actor);
      assert.equal(onThread, 2, 'the large body went to the thread');
      assert.equal(pool.backlog(), large.length);
      assert.equal((await service.ingest(stored, small, 'application/x-ndjson', actor)).accepted, 2);
      assert.equal(onThread, 2, 'the small one did not wait behind it');
      assert.equal((await bulk).accepted, 200);
      assert.equal(pool.backlog(), 0);
      assert.deepEqual(
        jobs.map((j) => j.alerts.length).sort((a, b) => a - b),
        [2, 2, 2, 200],
      );
    } finally {
      await pool.close();
    }
  });

  it('prepares in the request thread when the threads are gone', async () => {
    const pool = new PreparePool(1);
    await pool.close();
    const { jobs, writer } = recording();
    const result = await new IngestService(writer, pool).ingest(
      stored,
      ndjson(200, 5),
      'application/x-ndjson',
      actor,
    );
    assert.equal(result.accepted, 199);
    assert.deepEqual(
      result.rejected.map((r) => r.index),
      [5],
    );
    assert.equal(jobs[0]!.alerts.length, 199);
  });
});
