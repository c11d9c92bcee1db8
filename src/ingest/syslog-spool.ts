import {
  closeSync,
  existsSync,
  fdatasyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

/** A place in the spool: a segment's number and a byte offset in that segment. */
export interface SpoolPosition {
  readonly segment: number;
  readonly offset: number;
}

export interface SpooledMessage {
  text: string;
  /** Where the message ends in the spool: once a batch up to here commits, the spool may forget it. */
  end: SpoolPosition;
}

/** A segment is closed and the next one begun once it holds this much (by default). */
const SEGMENT_BYTES = 16 * 1024 * 1024;
/** Bytes read at a time; a spooled line is at most ~400 KiB (a 64 KiB message, JSON-escaped). */
const READ_CHUNK = 1024 * 1024;
const COMMITTED_FILE = 'committed.json';
const SEGMENT_FILE = /^(\d{10})\.log$/;
const NEWLINE = 0x0a;

export const isBefore = (a: SpoolPosition, b: SpoolPosition): boolean =>
  a.segment < b.segment || (a.segment === b.segment && a.offset < b.offset);

const segmentName = (n: number) => `${String(n).padStart(10, '0')}.log`;

/**
 * A syslog listener's backlog on disk: every message the listener reads is appended here (one JSON
 * string per line, in segment files of 16 MiB) before it waits in memory, and the position up to which
 * batches have committed is kept beside the segments. A process that crashes — or stops while the
 * database cannot take a write — leaves what it had not committed here, and the next start reads it
 * back. Segments wholly before the committed position are deleted. The spool is bounded: an append that
 * would take it past `maxBytes` is refused, and the listener falls back to memory.
 *
 * Appends are `write(2)` calls, so a message is safe from a crash of the process once `append`
 * returns; `sync()` makes it safe from a crash of the machine (the listener calls it every second).
 */
export class SyslogSpool {
  readonly dir: string;
  readonly #maxBytes: number;
  readonly #segmentBytes: number;
  /** Every segment still on disk, with its size in bytes (the last one is being written). */
  readonly #sizes = new Map<number, number>();
  #segment: number;
  #fd: number;
  #committed: SpoolPosition;
  /** Where this process began writing: what lies before it was left by an earlier one. */
  readonly startedAt: SpoolPosition;
  #bytes = 0;
  #dirty = false;
  /** Set after a failed write, which may have left part of a line: the next append starts a segment. */
  #rollNext = false;
  #closed = false;

  private constructor(dir: string, maxBytes: number, segmentBytes: number) {
    this.dir = dir;
    this.#maxBytes = maxBytes;
    this.#segmentBytes = segmentBytes;
    mkdirSync(dir, { recursive: true });
    this.#committed = readCommitted(path.join(dir, COMMITTED_FILE));
    let last = this.#committed.segment;
    for (const name of readdirSync(dir)) {
      const match = SEGMENT_FILE.exec(name);
      if (!match) continue;
      const n = Number(match[1]);
      if (n < this.#committed.segment) {
        rmSync(path.join(dir, name), { force: true });
        continue;
      }
      const size = statSync(path.join(dir, name)).size;
      this.#sizes.set(n, size);
      this.#bytes += size;
      last = Math.max(last, n);
    }
    // Always a new segment: the last one may end in a line a crash cut short.
    this.#segment = last + 1;
    this.#fd = openSync(path.join(dir, segmentName(this.#segment)), 'a');
    this.#sizes.set(this.#segment, 0);
    this.startedAt = { segment: this.#segment, offset: 0 };
  }

  /** Opens (creating it if need be) the spool in `dir`. */
  static open(dir: string, maxBytes: number, segmentBytes = SEGMENT_BYTES): SyslogSpool {
    return new SyslogSpool(dir, maxBytes, segmentBytes);
  }

  /** Everything before this position has been committed (or refused) and is not read back. */
  get committed(): SpoolPosition {
    return this.#committed;
  }

  /** Where the next message will be written. */
  get end(): SpoolPosition {
    return { segment: this.#segment, offset: this.#sizes.get(this.#segment)! };
  }

  /** Bytes the segments on disk hold (committed ones included until their segment is deleted). */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Writes the messages, in order, and returns where each one ends; `undefined` when they would take
   * the spool past its limit (nothing is written then). A failed write (the disk) throws.
   */
  append(messages: readonly string[]): SpoolPosition[] | undefined {
    const lines = messages.map((m) => `${JSON.stringify(m)}\n`);
    const sizes = lines.map((line) => Buffer.byteLength(line));
    const total = sizes.reduce((a, b) => a + b, 0);
    if (this.#bytes + total > this.#maxBytes) return undefined;
    if (this.#rollNext || this.#sizes.get(this.#segment)! >= this.#segmentBytes) this.#roll();
    const bytes = Buffer.from(lines.join(''));
    try {
      for (let written = 0; written < bytes.length;)
        written += writeSync(this.#fd, bytes, written, bytes.length - written);
    } catch (error) {
      // Part of it may be on disk past the size kept here, which reads never pass: the segment is cut
      // back to that size and closed, and later messages go to a segment of their own.
      this.#rollNext = true;
      throw error;
    }
    let offset = this.#sizes.get(this.#segment)!;
    const ends = sizes.map((size) => ({ segment: this.#segment, offset: (offset += size) }));
    this.#sizes.set(this.#segment, offset);
    this.#bytes += total;
    this.#dirty = true;
    return ends;
  }

  /**
   * Up to `max` messages from `from` on, never past what has been written; `next` is where the
   * following read starts. A line that does not parse (one a crash cut short) is skipped and counted.
   */
  read(
    from: SpoolPosition,
    max: number,
  ): { messages: SpooledMessage[]; next: SpoolPosition; skipped: number } {
    const messages: SpooledMessage[] = [];
    let skipped = 0;
    let { segment, offset } = from;
    while (messages.length < max && isBefore({ segment, offset }, this.end)) {
      const size = this.#sizes.get(segment);
      if (size === undefined || offset >= size) {
        // This segment is done (or gone): on to the next one that exists.
        segment = this.#nextSegment(segment);
        offset = 0;
        continue;
      }
      const length = Math.min(READ_CHUNK, size - offset);
      const chunk = Buffer.alloc(length);
      const fd = openSync(path.join(this.dir, segmentName(segment)), 'r');
      let got = 0;
      try {
        while (got < length) {
          const n = readSync(fd, chunk, got, length - got, offset + got);
          if (n === 0) break;
          got += n;
        }
      } finally {
        closeSync(fd);
      }
      let start = 0;
      while (messages.length < max) {
        const newline = chunk.indexOf(NEWLINE, start);
        if (newline === -1 || newline >= got) break;
        const end = { segment, offset: offset + newline + 1 };
        const text = parseLine(chunk.toString('utf8', start, newline));
        if (text === undefined) skipped++;
        else messages.push({ text, end });
        start = newline + 1;
      }
      if (start === 0) {
        // No whole line in a full chunk, or a segment ending in half a line: a crash's leftovers.
        skipped++;
        offset = got === READ_CHUNK ? offset + got : size;
        continue;
      }
      offset += start;
    }
    return { messages, next: { segment, offset }, skipped };
  }

  /** Everything up to `position` is committed: kept beside the segments; whole segments before it go. */
  commit(position: SpoolPosition): void {
    if (!isBefore(this.#committed, position)) return;
    this.#committed = { segment: position.segment, offset: position.offset };
    const file = path.join(this.dir, COMMITTED_FILE);
    writeFileSync(`${file}.next`, JSON.stringify(this.#committed));
    renameSync(`${file}.next`, file);
    for (const [n, size] of this.#sizes)
      if (n < position.segment) {
        rmSync(path.join(this.dir, segmentName(n)), { force: true });
        this.#sizes.delete(n);
        this.#bytes -= size;
      }
  }

  /** What has been written reaches the disk (`fdatasync`), if anything has since the last call. */
  sync(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    fdatasyncSync(this.#fd);
  }

  /** Flushes and closes the segment being written; once only. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.sync();
    } finally {
      closeSync(this.#fd);
    }
  }

  #roll(): void {
    this.sync();
    const old = this.#fd;
    // The new segment is opened first: if that fails, the spool stays as it was and tries again.
    this.#fd = openSync(path.join(this.dir, segmentName(this.#segment + 1)), 'a');
    this.#segment++;
    this.#sizes.set(this.#segment, 0);
    if (this.#rollNext) {
      try {
        ftruncateSync(old, this.#sizes.get(this.#segment - 1)!);
      } catch {
        // Left as it is, a later process reads what whole lines the failed write left, as duplicates.
      }
    }
    this.#rollNext = false;
    closeSync(old);
  }

  #nextSegment(after: number): number {
    let next = this.#segment;
    for (const n of this.#sizes.keys()) if (n > after && n < next) next = n;
    return next;
  }
}

/**
 * Bytes a spool directory holds past its committed position — what a listener opening it would ingest
 * — read without opening it for writing. 0 for a directory that is not a spool.
 */
export function spoolBacklogBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  const committed = readCommitted(path.join(dir, COMMITTED_FILE));
  let bytes = 0;
  for (const name of readdirSync(dir)) {
    const match = SEGMENT_FILE.exec(name);
    if (!match || Number(match[1]) < committed.segment) continue;
    const size = statSync(path.join(dir, name)).size;
    bytes += Number(match[1]) === committed.segment ? Math.max(0, size - committed.offset) : size;
  }
  return bytes;
}

function readCommitted(file: string): SpoolPosition {
  if (!existsSync(file)) return { segment: 0, offset: 0 };
  try {
    const { segment, offset } = JSON.parse(readFileSync(file, 'utf8')) as Partial<SpoolPosition>;
    if (Number.isSafeInteger(segment) && Number.isSafeInteger(offset) && segment! >= 0 && offset! >= 0)
      return { segment: segment!, offset: offset! };
  } catch {
    // Unreadable: every segment is read back; what had committed comes again as duplicates.
  }
  return { segment: 0, offset: 0 };
}

function parseLine(line: string): string | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
