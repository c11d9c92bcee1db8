import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from './duration.ts';

test('parses every unit and combinations', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('4h'), 14_400_000);
  assert.equal(parseDuration('2d'), 172_800_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration(' 5s '), 5_000);
});

test('a number, or a digit-only string, is milliseconds', () => {
  assert.equal(parseDuration(1500), 1500);
  assert.equal(parseDuration('250'), 250);
  assert.equal(parseDuration(0), 0);
});

test('refuses what it cannot read', () => {
  for (const bad of ['', '5 m', '1.5h', '10x', 'm', '-1s', '1h 30m']) {
    assert.throws(() => parseDuration(bad), RangeError, bad);
  }
  assert.throws(() => parseDuration(-1), /whole number/);
  assert.throws(() => parseDuration(1.5), /whole number/);
  assert.throws(() => parseDuration('400d'), /366 days/);
});
