import { alertSequence } from './alert-bodies.ts';
import { runLoad, type LoadResult } from './http-load.ts';

/** What the parent asks of one load phase (passed as JSON in argv). */
export interface LoadPhase {
  url: string;
  token?: string;
  connections: number;
  warmupMs: number;
  durationMs: number;
  /** Number of the first alert: phases use disjoint ranges so no alert repeats across them. */
  firstAlert: number;
  batch: number;
}

export type LoadMessage =
  | { type: 'window'; edge: 'start' | 'end' }
  | { type: 'result'; result: LoadResult; cpuCores: number; alertsMade: number };

/*
 * The load generator's own process: on a 2-core machine the server keeps one core to itself, for the
 * baseline and for Riposte alike, and the generator's CPU use is measured apart from the server's.
 */
const phase = JSON.parse(process.argv[2]!) as LoadPhase;
const alerts = alertSequence(phase.firstAlert, phase.batch);
const send = (message: LoadMessage): void => void process.send!(message);
let cpuAtStart = process.cpuUsage();
let startedAt = performance.now();
let cpuInWindow = 0;

const result = await runLoad({
  url: phase.url,
  headers: {
    'content-type': 'application/json',
    ...(phase.token === undefined ? {} : { authorization: `Bearer ${phase.token}` }),
  },
  connections: phase.connections,
  warmupMs: phase.warmupMs,
  durationMs: phase.durationMs,
  nextBody: alerts.next,
  onWindow(edge) {
    if (edge === 'start') {
      cpuAtStart = process.cpuUsage();
      startedAt = performance.now();
    } else {
      const used = process.cpuUsage(cpuAtStart);
      cpuInWindow = (used.user + used.system) / 1000 / (performance.now() - startedAt);
    }
    send({ type: 'window', edge });
  },
});
send({ type: 'result', result, cpuCores: round2(cpuInWindow), alertsMade: alerts.used() });
process.disconnect();

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
