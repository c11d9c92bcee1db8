import { LOG_LEVELS } from './config.ts';

export type LogLine = (level: number, fields: Record<string, unknown>) => void;

/** The same failure from the same place is written at most once in this long. */
export const REPEAT_MS = 30_000;

/**
 * JSON lines on stderr, as the server's logger writes them, for what the core says outside a request
 * (failures of background work, start-up warnings): those at or above the configured level.
 *
 * Background work retries on a clock, so one outage (a database out of reach, a full disk) would
 * write the same error every second from every loop. An error with the same message and the same
 * cause as one written less than `REPEAT_MS` ago is counted instead; the next one written after that
 * says how many were left out (`repeated`).
 */
export function lineLogger(
  configured: string,
  write: (text: string) => void = (text) => void process.stderr.write(text),
  now: () => number = Date.now,
): { line: LogLine; error: (error: unknown, msg: string) => void } {
  const least = LOG_LEVELS[configured] ?? LOG_LEVELS.info!;
  const line: LogLine = (level, fields) => {
    if (level >= least) write(`${JSON.stringify({ level, time: now(), ...fields })}\n`);
  };
  const recent = new Map<string, { at: number; repeated: number }>();
  return {
    line,
    error: (error, msg) => {
      const err = error instanceof Error ? error.message : String(error);
      const key = `${msg}\u0000${err}`;
      const at = now();
      const seen = recent.get(key);
      if (seen && at - seen.at < REPEAT_MS) {
        seen.repeated++;
        return;
      }
      line(50, { msg, err, ...(seen && seen.repeated > 0 ? { repeated: seen.repeated } : {}) });
      if (recent.size >= 1000) for (const [k, v] of recent) if (at - v.at >= REPEAT_MS) recent.delete(k);
      recent.set(key, { at, repeated: 0 });
    },
  };
}
