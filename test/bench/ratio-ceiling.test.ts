import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cpuMicros, ratioCeiling } from '../../bench/ratio-ceiling.ts';

describe('the ratio ceiling of bench ingest', () => {
  // The twentieth session's round (docs/benchmarks.md): cores and rates as measured.
  const cpu = cpuMicros({
    single: { cpu: { server: 1.31, loadGenerator: 0.14 }, perSecond: 9_376 },
    bulk: { cpu: { server: 1.48, loadGenerator: 0.1 }, perSecond: 28_375 },
    baseline: { cpu: { server: 0.99, loadGenerator: 0.66 }, perSecond: 54_647 },
    baselineBulk: { cpu: { server: 0.99, loadGenerator: 0.75 }, perSecond: 296_000 },
  });

  it('prices each unit of work in µs of CPU', () => {
    assert.deepEqual(cpu, {
      singlePost: 139.7,
      bulkAlert: 52.2,
      baselineRequest: 18.1,
      baselineBulkAlert: 3.3,
      loadGeneratorPerPost: 14.9,
    });
  });

  it('is the posts a second two cores allow at a bulk alert’s cost plus a bare request’s, over the baseline', () => {
    // 52.2 + (18.1 − 3.3) + 14.9 = 81.9 µs a post: 24,420 posts a second on two cores.
    assert.equal(ratioCeiling(cpu, 2, 54_647), 0.447);
    assert.equal(ratioCeiling(cpu, 4, 54_647), 0.894, 'twice the cores, twice the ceiling');
  });

  it('is not a number when a phase measured nothing', () => {
    const idle = cpuMicros({
      single: { cpu: { server: 0, loadGenerator: 0 }, perSecond: 0 },
      bulk: { cpu: { server: 0, loadGenerator: 0 }, perSecond: 0 },
      baseline: { cpu: { server: 0, loadGenerator: 0 }, perSecond: 0 },
      baselineBulk: { cpu: { server: 0, loadGenerator: 0 }, perSecond: 0 },
    });
    assert.ok(Number.isNaN(ratioCeiling(idle, 2, 50_000)));
  });
});
