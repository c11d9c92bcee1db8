/**
 * What one unit of work cost in CPU in a round of `bench ingest`, in µs: the server's per single post
 * and per bulk alert, the bare server's per request and per alert of its bulk bodies, and the load
 * generator's per single post (it runs on the same machine, so its share counts against the cores).
 */
export interface CpuMicros {
  singlePost: number;
  bulkAlert: number;
  baselineRequest: number;
  baselineBulkAlert: number;
  loadGeneratorPerPost: number;
}

interface PhaseCpu {
  /** Cores busy while measured (1 = one core all the time). */
  cpu: { server: number; loadGenerator: number };
  /** Units done per second in the same window (posts, alerts or requests). */
  perSecond: number;
}

export function cpuMicros(phases: {
  single: PhaseCpu;
  bulk: PhaseCpu;
  baseline: PhaseCpu;
  baselineBulk: PhaseCpu;
}): CpuMicros {
  const per = (cores: number, perSecond: number) =>
    perSecond > 0 ? Math.round((cores * 1e7) / perSecond) / 10 : Number.NaN;
  const { single, bulk, baseline, baselineBulk } = phases;
  return {
    singlePost: per(single.cpu.server, single.perSecond),
    bulkAlert: per(bulk.cpu.server, bulk.perSecond),
    baselineRequest: per(baseline.cpu.server, baseline.perSecond),
    baselineBulkAlert: per(baselineBulk.cpu.server, baselineBulk.perSecond),
    loadGeneratorPerPost: per(single.cpu.loadGenerator, single.perSecond),
  };
}

/**
 * The highest `ratioToBaseline` this machine could give in this round, on a generous assumption: a
 * single post costing the server no more than a bulk alert does (its share of a commit over a
 * thousand, its dedup, grouping and insert) plus what the bare server spends on a request beyond
 * parsing its alert, with every core busy — the load generator's share per post included. Posts a
 * second at that cost, divided by the baseline's requests a second. A real single post costs more
 * (its own commit share, one writer thread), so the ratio measured stays below this.
 */
export function ratioCeiling(cpu: CpuMicros, cores: number, baselineRequestsPerSecond: number): number {
  const floorMicros =
    cpu.bulkAlert + (cpu.baselineRequest - cpu.baselineBulkAlert) + cpu.loadGeneratorPerPost;
  if (!(floorMicros > 0) || !(baselineRequestsPerSecond > 0)) return Number.NaN;
  return Math.round(((cores * 1e6) / floorMicros / baselineRequestsPerSecond) * 1000) / 1000;
}
