import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextCronTime, parseCron } from './cron.ts';

const next = (expression: string, after: string): string =>
  nextCronTime(expression, new Date(after)).toISOString();

test('parses values, ranges, steps, lists and names', () => {
  const schedule = parseCron('*/15 9-17 1,15 jan-mar MON-FRI');
  assert.deepEqual([...schedule.minutes], [0, 15, 30, 45]);
  assert.deepEqual([...schedule.hours], [9, 10, 11, 12, 13, 14, 15, 16, 17]);
  assert.deepEqual([...schedule.daysOfMonth], [1, 15]);
  assert.deepEqual([...schedule.months], [1, 2, 3]);
  assert.deepEqual([...schedule.daysOfWeek], [1, 2, 3, 4, 5]);
  assert.deepEqual([...parseCron('5/20 * * * *').minutes], [5, 25, 45]);
  assert.deepEqual([...parseCron('0 0 * * 7').daysOfWeek], [0]);
  assert.deepEqual([...parseCron('@hourly').minutes], [0]);
});

test('refuses invalid syntax with the field named', () => {
  assert.throws(() => parseCron('* * * *'), /4 field/);
  assert.throws(() => parseCron('60 * * * *'), /minute "60": 60 is outside 0-59/);
  assert.throws(() => parseCron('* 5-2 * * *'), /hour "5-2": the range runs backwards/);
  assert.throws(() => parseCron('*/0 * * * *'), /step must be at least 1/);
  assert.throws(() => parseCron('* * * foo *'), /month "foo"/);
  assert.throws(() => parseCron('* * 0 * *'), /day of month "0"/);
  assert.throws(() => parseCron('1-2-3 * * * *'), /one "-"/);
  assert.throws(() => parseCron('*/5/2 * * * *'), /more than one/);
  // Shorthands are a table: a word every object inherits is not one of them.
  assert.throws(() => parseCron('constructor'), /"constructor" has 1 field/);
  assert.throws(() => parseCron('__proto__'), /"__proto__" has 1 field/);
});

test('next time: every five minutes, strictly after', () => {
  assert.equal(next('*/5 * * * *', '2024-03-10T10:02:30Z'), '2024-03-10T10:05:00.000Z');
  assert.equal(next('*/5 * * * *', '2024-03-10T10:05:00Z'), '2024-03-10T10:10:00.000Z');
  assert.equal(next('*/5 * * * *', '2024-12-31T23:59:00Z'), '2025-01-01T00:00:00.000Z');
});

test('next time: ranges, lists and weekdays', () => {
  // 2024-03-09 is a Saturday: the next weekday 09:30 is Monday the 11th.
  assert.equal(next('30 9 * * 1-5', '2024-03-09T12:00:00Z'), '2024-03-11T09:30:00.000Z');
  assert.equal(next('0 8,20 * * *', '2024-03-10T08:00:00Z'), '2024-03-10T20:00:00.000Z');
  assert.equal(next('0 0 1 */3 *', '2024-02-15T00:00:00Z'), '2024-04-01T00:00:00.000Z');
});

test('next time: day of month and day of week restricted together match either', () => {
  // The 13th, or any Friday: after Wed 2024-03-06 the first is Friday the 8th.
  assert.equal(next('0 0 13 * 5', '2024-03-06T00:00:00Z'), '2024-03-08T00:00:00.000Z');
});

test('next time: February 29 is found; impossible dates throw', () => {
  assert.equal(next('0 0 29 2 *', '2024-03-01T00:00:00Z'), '2028-02-29T00:00:00.000Z');
  assert.throws(() => nextCronTime('0 0 30 2 *', new Date('2024-01-01T00:00:00Z')), /never fires/);
});
