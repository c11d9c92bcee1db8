import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunState, StepState } from '../engine/engine-types.ts';
import type { LiveEvent } from './live-event.ts';
import { LiveFeed } from './live-feed.ts';
import { RunCoalescer } from './run-coalescer.ts';

function state(runId: string, status: RunState['status'], steps: Partial<StepState>[] = []): RunState {
  return {
    runId,
    playbookId: 'triage',
    playbookVersion: 1,
    status,
    inputs: {},
    vars: {},
    outputs: {},
    error: null,
    steps: Object.fromEntries(
      steps.map((s) => [s.key!, { stepId: s.key!, attempt: 1, status: 'pending', ...s } as StepState]),
    ),
    wakeAt: null,
    startedAt: '2026-11-30T10:00:00.000Z',
    finishedAt: null,
    seq: 1,
    internal: null,
  };
}

describe('RunCoalescer', () => {
  it('publishes one run.changed per run per interval, with the latest status and finished step', () => {
    const feed = new LiveFeed();
    const got: LiveEvent[] = [];
    feed.subscribe((e) => got.push(e));
    const coalescer = new RunCoalescer(feed, 60_000);
    coalescer.transition('run_a', state('run_a', 'running'), null);
    coalescer.transition(
      'run_b',
      state('run_b', 'running', [{ key: 'geo', status: 'running', startedAt: '2026-11-30T10:00:01.000Z' }]),
      'case_b',
    );
    coalescer.transition(
      'run_a',
      state('run_a', 'succeeded', [
        { key: 'geo', status: 'succeeded', finishedAt: '2026-11-30T10:00:01.000Z' },
        { key: 'score', status: 'succeeded', finishedAt: '2026-11-30T10:00:02.000Z' },
      ]),
      'case_a',
    );
    assert.equal(got.length, 0, 'nothing goes out before the interval ends');
    coalescer.flush();
    assert.deepEqual(got, [
      {
        type: 'run.changed',
        id: 'run_a',
        caseId: 'case_a',
        playbookId: 'triage',
        status: 'succeeded',
        step: { key: 'score', status: 'succeeded' },
      },
      { type: 'run.changed', id: 'run_b', caseId: 'case_b', playbookId: 'triage', status: 'running' },
    ]);
    coalescer.flush();
    assert.equal(got.length, 2, 'a flush with nothing pending publishes nothing');
    coalescer.close();
  });

  it('keeps nothing while nobody listens', () => {
    const feed = new LiveFeed();
    const coalescer = new RunCoalescer(feed, 60_000);
    coalescer.transition('run_a', state('run_a', 'running'), null);
    const got: LiveEvent[] = [];
    feed.subscribe((e) => got.push(e));
    coalescer.flush();
    assert.deepEqual(got, []);
    coalescer.close();
  });

  it('sends pending transitions when its interval ends', async () => {
    const feed = new LiveFeed();
    const coalescer = new RunCoalescer(feed, 5);
    const heard = new Promise<LiveEvent>((resolve) => feed.subscribe(resolve));
    coalescer.transition('run_a', state('run_a', 'waiting'), null);
    const event = await heard;
    assert.equal(event.type, 'run.changed');
    assert.equal('status' in event && event.status, 'waiting');
    coalescer.close();
  });
});
