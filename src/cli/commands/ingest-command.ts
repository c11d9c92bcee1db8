import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RiposteError } from '../../core/riposte-error.ts';
import type { Rejection } from '../../ingest/ingest-service.ts';
import { UsageError, withRiposte, type Io } from '../cli-context.ts';
import { Progress } from '../progress.ts';

const LINES_PER_BATCH = 2000;

/**
 * Splits a file into bodies the ingest pipeline takes: a JSON document or an e-mail whole, a line
 * format (NDJSON, CEF, LEEF, Zeek TSV) in batches of lines, repeating Zeek's `#` header in each batch.
 */
export function* fileBatches(
  text: string,
  whole: boolean,
): Generator<{ body: string; firstIndex: number; bytes: number }> {
  if (whole) {
    yield { body: text, firstIndex: 0, bytes: Buffer.byteLength(text) };
    return;
  }
  const header: string[] = [];
  let lines: string[] = [];
  let firstIndex = 0;
  let index = 0;
  let bytes = 0;
  const flush = () => {
    const body = [...header, ...lines].join('\n');
    const batch = { body, firstIndex, bytes };
    lines = [];
    firstIndex = index;
    bytes = 0;
    return batch;
  };
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).replace(/\r$/, '');
    bytes += end - start + 1;
    start = end + 1;
    if (line.trim() === '') continue;
    if (line.startsWith('#') && lines.length === 0 && index === 0) {
      header.push(line);
      continue;
    }
    if (line.startsWith('#close')) continue;
    lines.push(line);
    index++;
    if (lines.length >= LINES_PER_BATCH) yield flush();
  }
  if (lines.length > 0) yield flush();
}

function isWholeDocument(file: string, text: string, format: string): boolean {
  if (format === 'email' || file.endsWith('.eml')) return true;
  const first = text.trimStart()[0];
  if (first === '[') return true;
  if (first !== '{') return false;
  // One pretty-printed JSON object spans many lines; NDJSON's first line is a whole object by itself.
  const newline = text.indexOf('\n', text.indexOf('{'));
  if (newline === -1) return true;
  try {
    JSON.parse(text.slice(0, newline));
    return false;
  } catch {
    return true;
  }
}

/** `riposte ingest FILE --source NAME` — through the same pipeline as the API, progress on stderr. */
export async function ingestCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { source: { type: 'string' } },
  });
  const file = positionals[0];
  if (!file || !values.source) throw new UsageError('ingest needs a FILE and --source NAME');
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  const text = readFileSync(file, 'utf8');
  return withRiposte(async (riposte) => {
    const source = await riposte.sources.get(values.source!);
    const whole = isWholeDocument(file, text, source.format);
    const contentType =
      source.format === 'email' ? 'message/rfc822' : whole ? 'application/json' : 'application/x-ndjson';
    const progress = new Progress(io, size);
    const totals = { accepted: 0, duplicates: 0, rejected: [] as Rejection[] };
    for (const batch of fileBatches(text, whole)) {
      try {
        const result = await riposte.ingest.ingest(source, batch.body, contentType, {
          id: `cli:${file}`,
          type: 'cli',
        });
        totals.accepted += result.accepted;
        totals.duplicates += result.duplicates;
        totals.rejected.push(...result.rejected.map((r) => ({ ...r, index: r.index + batch.firstIndex })));
      } catch (error) {
        if (!(error instanceof RiposteError) || error.code !== 'no_valid_records') throw error;
        const rejected = (error.extra?.rejected as Rejection[] | undefined) ?? [];
        totals.rejected.push(...rejected.map((r) => ({ ...r, index: r.index + batch.firstIndex })));
      }
      progress.advance(batch.bytes, totals.accepted + totals.duplicates);
    }
    progress.done();
    io.stdout(
      `${JSON.stringify({ accepted: totals.accepted, duplicates: totals.duplicates, rejected: totals.rejected.length, errors: totals.rejected.slice(0, 20) })}\n`,
    );
    return totals.accepted + totals.duplicates > 0 || totals.rejected.length === 0 ? 0 : 1;
  });
}
