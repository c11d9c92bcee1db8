import { RiposteError } from '../core/riposte-error.ts';
import type { SplitRecord } from './normalizer.ts';

/** Expands a vendor envelope (`{"value":[…]}`, `{"Findings":[…]}`) into its records, or returns undefined. */
export type Unwrap = (value: Record<string, unknown>) => unknown[] | undefined;

function expand(value: unknown, unwrap: Unwrap | undefined): unknown[] {
  if (Array.isArray(value)) return value.flatMap((v) => expand(v, unwrap));
  if (unwrap && value !== null && typeof value === 'object') {
    const inner = unwrap(value as Record<string, unknown>);
    if (inner) return inner;
  }
  return [value];
}

/**
 * A JSON body: one document (an event, an array of events, or an envelope the format unwraps), or
 * NDJSON — one event per line, where a bad line becomes a rejection and the good lines go on.
 */
export function splitJson(body: string, unwrap?: Unwrap): SplitRecord[] {
  const text = body.replace(/^\uFEFF/, '');
  const first = text.trimStart()[0];
  if (first === '[' || first === '{') {
    try {
      return expand(JSON.parse(text), unwrap).map((record) => ({ ok: true, record }));
    } catch {
      // Not one document: read it as NDJSON below.
    }
  }
  const records: SplitRecord[] = [];
  let lineNumber = 0;
  for (const line of lines(text)) {
    lineNumber++;
    if (line.trim() === '') continue;
    try {
      for (const record of expand(JSON.parse(line), unwrap)) records.push({ ok: true, record });
    } catch (error) {
      records.push({
        ok: false,
        error: new RiposteError(
          'invalid_json',
          `line ${lineNumber} is not valid JSON: ${(error as Error).message}`,
          {
            path: `/${records.length}`,
          },
        ),
      });
    }
  }
  return records;
}

/** Text formats (CEF, LEEF, syslog): one record per non-empty line. */
export function splitLines(body: string): SplitRecord[] {
  const records: SplitRecord[] = [];
  for (const line of lines(body.replace(/^\uFEFF/, ''))) {
    if (line.trim() !== '') records.push({ ok: true, record: line });
  }
  return records;
}

/** Lines without their terminator, without building an intermediate array of the whole body. */
export function* lines(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    yield text.slice(start, end > start && text[end - 1] === '\r' ? end - 1 : end);
    start = end + 1;
  }
}
