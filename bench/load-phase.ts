import { fork } from 'node:child_process';
import type { LoadResult } from './http-load.ts';
import type { LoadMessage, LoadPhase } from './load-worker.ts';

export interface PhaseFigures extends LoadResult {
  /** CPU used during the measured window, in cores (1 = one core busy all the time). */
  cpu: { server: number; loadGenerator: number };
  alertsMade: number;
}

/**
 * Runs one phase with the load generator in a child process, and samples this process's CPU (the
 * server's: it runs here) over the same window the generator measures.
 */
export function runLoadPhase(phase: LoadPhase): Promise<PhaseFigures> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./load-worker.ts', import.meta.url), [JSON.stringify(phase)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let cpuAtStart = process.cpuUsage();
    let startedAt = performance.now();
    let serverCores = 0;
    let outcome: Extract<LoadMessage, { type: 'result' }> | undefined;
    child.on('message', (message: LoadMessage) => {
      if (message.type === 'result') outcome = message;
      else if (message.edge === 'start') {
        cpuAtStart = process.cpuUsage();
        startedAt = performance.now();
      } else {
        const used = process.cpuUsage(cpuAtStart);
        const cores = (used.user + used.system) / 1000 / (performance.now() - startedAt);
        serverCores = Math.round(cores * 100) / 100;
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!outcome) return reject(new Error(`the load generator exited with ${code} before reporting`));
      resolve({
        ...outcome.result,
        cpu: { server: serverCores, loadGenerator: outcome.cpuCores },
        alertsMade: outcome.alertsMade,
      });
    });
  });
}
