import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffSeconds } from './pull-backoff.ts';

describe('pull backoff', () => {
  it('doubles the interval with each failure in a row, up to an hour', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 7, 8, 50].map((n) => backoffSeconds(60, n)),
      [60, 120, 240, 480, 3600, 3600, 3600],
    );
  });

  it('a source polled less often than hourly keeps its own interval as the ceiling', () => {
    assert.deepEqual(
      [1, 2, 3].map((n) => backoffSeconds(7_200, n)),
      [7_200, 7_200, 7_200],
    );
  });

  it('never tries sooner than the vendor asked', () => {
    assert.equal(backoffSeconds(60, 1, 90_500), 91);
    assert.equal(backoffSeconds(60, 3, 1_000), 240);
  });
});
