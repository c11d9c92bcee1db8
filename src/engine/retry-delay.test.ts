import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StepFailure } from './engine-types.ts';
import { failureOutcome } from './failure.ts';
import { retryDelayMs } from './retry-delay.ts';

const policy = { attempts: 5, backoffMs: 1000, factor: 2, maxDelayMs: 5000, jitter: false };
const failure: StepFailure = { kind: 'action', code: 'x', message: 'x', retryable: true };

describe('retryDelayMs', () => {
  it('grows by the factor and stops at the cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryDelayMs(policy, n, failure, () => 0)),
      [1000, 2000, 4000, 5000],
    );
  });

  it('jitters within [delay/2, delay]', () => {
    const p = { ...policy, jitter: true };
    assert.equal(
      retryDelayMs(p, 2, failure, () => 0),
      1000,
    );
    assert.equal(
      retryDelayMs(p, 2, failure, () => 0.5),
      1500,
    );
    assert.ok(retryDelayMs(p, 2, failure, () => 0.99999) <= 2000);
  });

  it('prefers retryAfterMs', () => {
    assert.equal(
      retryDelayMs(policy, 1, { ...failure, retryAfterMs: 42 }, () => 0),
      42,
    );
  });
});

describe('failureOutcome', () => {
  it('maps each kind to a status and retryability', () => {
    assert.deepEqual(failureOutcome(failure), { status: 'failed', retryable: true });
    assert.deepEqual(failureOutcome({ ...failure, retryable: false }), {
      status: 'failed',
      retryable: false,
    });
    assert.deepEqual(failureOutcome({ kind: 'timeout', message: 't', timeoutMs: 1 }), {
      status: 'failed',
      retryable: true,
    });
    assert.deepEqual(failureOutcome({ kind: 'cancelled', message: 'c' }), {
      status: 'cancelled',
      retryable: false,
    });
    assert.deepEqual(failureOutcome({ kind: 'denied', message: 'd', by: [] }), {
      status: 'failed',
      retryable: false,
    });
  });
});
