import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RiposteError } from '../core/riposte-error.ts';

/** Marks a directory as the demo's, so `--fresh` never wipes anything else (a real ./data). */
const MARKER = '.riposte-demo';
const STATE = 'demo-state.json';

/** What a start leaves for the next one: the sample alerts already sent, by key. */
export interface DemoState {
  fedAt: string | null;
  alerts: Record<string, string[]>;
}

/**
 * Makes `dir` the demo's data directory. It must be missing, empty, or one the demo made; `fresh`
 * empties it first. Returns whether an earlier demo's data is there to reuse.
 */
export function prepareDemoDir(dir: string, fresh: boolean): { reused: boolean } {
  const entries = existsSync(dir) ? readdirSync(dir) : [];
  if (entries.length > 0 && !entries.includes(MARKER))
    throw new RiposteError(
      'validation_failed',
      `${dir} is not empty and was not made by "riposte demo"; the demo keeps its data apart: give --data-dir a new directory`,
      { path: '--data-dir' },
    );
  if (fresh && entries.length > 0) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, MARKER),
    'Data of "riposte demo": sample alerts, fake integrations. Safe to delete.\n',
  );
  return { reused: !fresh && existsSync(path.join(dir, 'riposte.db')) };
}

export function readDemoState(dir: string): DemoState {
  const file = path.join(dir, STATE);
  if (!existsSync(file)) return { fedAt: null, alerts: {} };
  return JSON.parse(readFileSync(file, 'utf8')) as DemoState;
}

export function writeDemoState(dir: string, state: DemoState): void {
  writeFileSync(path.join(dir, STATE), `${JSON.stringify(state, null, 2)}\n`);
}
