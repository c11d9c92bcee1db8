import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LiveEvent } from './live-event.ts';
import { LiveFeed } from './live-feed.ts';

const alert = (id: string): LiveEvent => ({
  type: 'alert.created',
  id,
  caseId: null,
  severity: 'high',
  title: 'Port scan',
});

describe('LiveFeed', () => {
  it('delivers to every subscriber until it unsubscribes, and does nothing without one', () => {
    const feed = new LiveFeed();
    assert.equal(feed.listening, false);
    feed.publish({ type: 'case.changed', id: 'case_before' });
    const a: LiveEvent[] = [];
    const b: LiveEvent[] = [];
    const offA = feed.subscribe((e) => a.push(e));
    const offB = feed.subscribe((e) => b.push(e));
    assert.equal(feed.listening, true);
    feed.publish({ type: 'case.changed', id: 'case_1' });
    offA();
    feed.publish({ type: 'case.changed', id: 'case_2' });
    offB();
    feed.publish({ type: 'case.changed', id: 'case_3' });
    assert.deepEqual(
      a.map((e) => ('id' in e ? e.id : '')),
      ['case_1'],
    );
    assert.deepEqual(
      b.map((e) => ('id' in e ? e.id : '')),
      ['case_1', 'case_2'],
    );
    assert.equal(feed.listening, false);
  });

  it('tells watchers when the first listener arrives and the last one leaves', () => {
    const feed = new LiveFeed();
    const seen: boolean[] = [];
    feed.onListening((listening) => seen.push(listening));
    const off1 = feed.subscribe(() => undefined);
    const off2 = feed.subscribe(() => undefined);
    off1();
    off1();
    off2();
    assert.deepEqual(seen, [true, false]);
  });

  it('announces an alert once, but every change of a case', () => {
    const feed = new LiveFeed();
    const got: LiveEvent[] = [];
    feed.subscribe((e) => got.push(e));
    feed.publish(alert('alert_1'));
    feed.publish({ ...alert('alert_1'), caseId: 'case_1' } as LiveEvent);
    feed.publish({ type: 'case.changed', id: 'case_1' });
    feed.publish({ type: 'case.changed', id: 'case_1' });
    assert.deepEqual(
      got.map((e) => e.type),
      ['alert.created', 'case.changed', 'case.changed'],
    );
  });

  it('keeps what another process changed unless this process published the same thing after it', () => {
    let now = 10_000;
    const feed = new LiveFeed({ now: () => now });
    const got: string[] = [];
    feed.subscribe((e) => got.push(`${e.type}:${'id' in e ? e.id : ''}`));
    feed.publish({ type: 'case.changed', id: 'case_local' });
    now = 10_500;
    // The poller read the local change (stamped before the publish): already told.
    assert.equal(feed.publishObserved({ type: 'case.changed', id: 'case_local' }, 9_990), false);
    // A later change by another process to the same case: told.
    assert.equal(feed.publishObserved({ type: 'case.changed', id: 'case_local' }, 10_200), true);
    // A change this process never published: told.
    assert.equal(feed.publishObserved({ type: 'case.changed', id: 'case_remote' }, 10_100), true);
    // An alert the grouping stage announced: never twice.
    feed.publish(alert('alert_9'));
    assert.equal(feed.publishObserved(alert('alert_9'), 99_999), false);
    assert.deepEqual(got, [
      'case.changed:case_local',
      'case.changed:case_local',
      'case.changed:case_remote',
      'alert.created:alert_9',
    ]);
  });

  it('a listener that throws does not keep the others from hearing', () => {
    const feed = new LiveFeed();
    const got: string[] = [];
    feed.subscribe(() => {
      throw new Error('socket closed');
    });
    feed.subscribe((e) => got.push(e.type));
    feed.publish({ type: 'case.changed', id: 'case_1' });
    assert.deepEqual(got, ['case.changed']);
  });
});
