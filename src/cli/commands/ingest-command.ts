import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { storageTrouble } from '../../store/storage-errors.ts';
import { RiposteError } from '../../core/riposte-error.ts';
import type { IngestResult, Rejection } from '../../ingest/ingest-service.ts';
import type { PreparedBody } from '../../ingest/prepare-body.ts';
import { UsageError, withRiposte, type Io } from '../cli-context.ts';
import { Progress } from '../progress.ts';

const LINES_PER_BATCH = 2000;
/** Batches being prepared, and batches being written, at once. */
const IN_FLIGHT = 3;

type Batch = { body: string; firstIndex: number; bytes: number };

/**
 * Splits a file into bodies the ingest pipeline takes: a JSON document or an e-mail whole, a line
 * format (NDJSON, CEF, LEEF, Zeek TSV) in batches of lines, repeating Zeek's `#` header in each batch.
 */
export function* fileBatches(text: string, whole: boolean): Generator<Batch> {
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
    const actor = { id: `cli:${file}`, type: 'cli' as const };
    // A pipeline: the next batches are prepared (on an ingest thread) while earlier ones are written,
    // and a few commits are in flight at once, as a sender with several connections would have them.
    // Batches reach the writer in file order, so the first of two equal records is the one stored.
    const preparing: { batch: Batch; prepared: Promise<PreparedBody> }[] = [];
    const writing: { batch: Batch; written: Promise<IngestResult> }[] = [];
    const settle = async (): Promise<void> => {
      const { batch, written } = writing.shift()!;
      try {
        const result = await written;
        totals.accepted += result.accepted;
        totals.duplicates += result.duplicates;
        totals.rejected.push(...result.rejected.map((r) => ({ ...r, index: r.index + batch.firstIndex })));
      } catch (error) {
        const trouble = storageTrouble(error);
        if (trouble) {
          // What committed before stays; the same command again stores the rest and counts the rest
          // as duplicates (the same records, the same event times), unless dedup is turned off.
          throw new RiposteError(
            'storage_unavailable',
            `the database ${trouble.what}; the file's records before index ${batch.firstIndex} went in (${totals.accepted} new, ${totals.duplicates} duplicates) — run the same command again once the database takes writes: what is stored already is counted as a duplicate, not stored twice (with RIPOSTE_DEDUP_WINDOW above 0, the default)`,
            { cause: error },
          );
        }
        if (!(error instanceof RiposteError) || error.code !== 'no_valid_records') throw error;
        const rejected = (error.extra?.rejected as Rejection[] | undefined) ?? [];
        totals.rejected.push(...rejected.map((r) => ({ ...r, index: r.index + batch.firstIndex })));
      }
      progress.advance(batch.bytes, totals.accepted + totals.duplicates);
    };
    const submit = async (): Promise<void> => {
      const { batch, prepared } = preparing.shift()!;
      const written = riposte.ingest.commit(source, await prepared, actor);
      // Awaited in order by settle(); marked handled so an earlier failure leaves no stray rejection.
      written.catch(() => undefined);
      writing.push({ batch, written });
      if (writing.length >= IN_FLIGHT) await settle();
    };
    for (const batch of fileBatches(text, whole)) {
      const prepared = riposte.ingest.prepare(source, batch.body, contentType);
      prepared.catch(() => undefined);
      preparing.push({ batch, prepared });
      if (preparing.length >= IN_FLIGHT) await submit();
    }
    while (preparing.length > 0) await submit();
    while (writing.length > 0) await settle();
    progress.done();
    io.stdout(
      `${JSON.stringify({ accepted: totals.accepted, duplicates: totals.duplicates, rejected: totals.rejected.length, errors: totals.rejected.slice(0, 20) })}\n`,
    );
    return totals.accepted + totals.duplicates > 0 || totals.rejected.length === 0 ? 0 : 1;
  });
}
