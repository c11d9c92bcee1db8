import { compareWords, type IpAddress } from './ip-address.ts';

export interface AsnMatch {
  asn: number;
  org: string;
  start: Uint32Array;
  end: Uint32Array;
}

const COMMA = 0x2c;
const NEWLINE = 0x0a;
const QUOTE = 0x22;

/*
 * Byte-level field readers: building strings for ~500,000 rows costs seconds, these a fraction of one.
 */
function readDecimal(bytes: Uint8Array, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) value = value * 10 + bytes[i]! - 0x30;
  return value;
}

function readV4(bytes: Uint8Array, from: number, to: number, into: Uint32Array, at: number): void {
  let word = 0;
  let octet = 0;
  for (let i = from; i < to; i++) {
    const b = bytes[i]!;
    if (b === 0x2e) {
      word = (word << 8) | octet;
      octet = 0;
    } else octet = octet * 10 + b - 0x30;
  }
  into[at + 3] = ((word << 8) | octet) >>> 0;
}

function hexDigit(b: number): number {
  return b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x57;
}

/** Plain IPv6 text as the data has it: hex groups, at most one `::`, no embedded dotted quad. */
function readV6(bytes: Uint8Array, from: number, to: number, into: Uint32Array, at: number): void {
  const groups = new Array<number>(8).fill(0);
  const tail: number[] = [];
  let head = 0;
  let afterGap = false;
  let group = 0;
  let digits = 0;
  for (let i = from; i <= to; i++) {
    const b = i === to ? 0x3a : bytes[i]!;
    if (b !== 0x3a) {
      group = (group << 4) | hexDigit(b);
      digits++;
      continue;
    }
    if (digits > 0) {
      if (afterGap) tail.push(group);
      else groups[head++] = group;
    } else afterGap = true;
    group = 0;
    digits = 0;
  }
  tail.forEach((g, k) => (groups[8 - tail.length + k] = g));
  for (let k = 0; k < 4; k++) into[at + k] = ((groups[2 * k]! << 16) | groups[2 * k + 1]!) >>> 0;
}

function parse(csv: Uint8Array, family: 4 | 6) {
  let rows = 1;
  for (let i = 0; i < csv.length; i++) if (csv[i] === NEWLINE) rows++;
  const starts = new Uint32Array(rows * 4);
  const ends = new Uint32Array(rows * 4);
  const asns = new Uint32Array(rows);
  const orgs = new Uint32Array(rows * 2);
  const read = family === 4 ? readV4 : readV6;
  let size = 0;
  let lineStart = 0;
  while (lineStart < csv.length) {
    let lineEnd = csv.indexOf(NEWLINE, lineStart);
    if (lineEnd === -1) lineEnd = csv.length;
    // The first three commas end the two addresses and the AS number; the organisation is the rest.
    let c1 = lineStart;
    while (c1 < lineEnd && csv[c1] !== COMMA) c1++;
    let c2 = c1 + 1;
    while (c2 < lineEnd && csv[c2] !== COMMA) c2++;
    let c3 = c2 + 1;
    while (c3 < lineEnd && csv[c3] !== COMMA) c3++;
    if (c3 < lineEnd) {
      read(csv, lineStart, c1, starts, size * 4);
      read(csv, c1 + 1, c2, ends, size * 4);
      asns[size] = readDecimal(csv, c2 + 1, c3);
      orgs[size * 2] = c3 + 1;
      orgs[size * 2 + 1] = csv[lineEnd - 1] === 0x0d ? lineEnd - 1 : lineEnd;
      size++;
    }
    lineStart = lineEnd + 1;
  }
  return { starts, ends, asns, orgs, size };
}

/**
 * The ip-location-db ASN table (`start,end,asn,organisation` rows, inclusive ranges, sorted, not
 * overlapping) held as typed arrays: four words per bound, the organisation left in the file's bytes
 * and decoded only when a lookup returns it. One family per table.
 */
export class AsnTable {
  readonly #csv: Buffer;
  readonly #starts: Uint32Array;
  readonly #ends: Uint32Array;
  readonly #asns: Uint32Array;
  /** Byte offsets of each row's organisation field and of its end. */
  readonly #orgs: Uint32Array;
  readonly size: number;

  constructor(csv: Buffer, family: 4 | 6) {
    this.#csv = csv;
    const parsed = parse(new Uint8Array(csv.buffer, csv.byteOffset, csv.length), family);
    this.#starts = parsed.starts;
    this.#ends = parsed.ends;
    this.#asns = parsed.asns;
    this.#orgs = parsed.orgs;
    this.size = parsed.size;
  }

  /** The range holding `address` (binary search over the sorted starts), or null. */
  lookup(address: IpAddress): AsnMatch | null {
    let lo = 0;
    let hi = this.size - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compareWords(this.#starts, mid * 4, address.words, 0) <= 0) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found === -1 || compareWords(this.#ends, found * 4, address.words, 0) < 0) return null;
    return {
      asn: this.#asns[found]!,
      org: this.#org(found),
      start: this.#starts.slice(found * 4, found * 4 + 4),
      end: this.#ends.slice(found * 4, found * 4 + 4),
    };
  }

  #org(row: number): string {
    const from = this.#orgs[row * 2]!;
    const to = this.#orgs[row * 2 + 1]!;
    if (this.#csv[from] !== QUOTE) return this.#csv.toString('utf8', from, to);
    return this.#csv.toString('utf8', from + 1, to - 1).replaceAll('""', '"');
  }
}
