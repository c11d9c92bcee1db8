import { isIP } from 'node:net';

/**
 * An address as four 32-bit words, most significant first: IPv4 in the last word, so one comparison
 * routine serves both families. IPv4-mapped IPv6 (`::ffff:1.2.3.4`) is taken as the IPv4 address.
 */
export interface IpAddress {
  family: 4 | 6;
  /** The canonical text (`1.2.3.4`, or IPv6 as Node's URL parser prints it). */
  text: string;
  words: Uint32Array;
}

function v4Word(text: string): number {
  const [a, b, c, d] = text.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** The eight 16-bit groups of an IPv6 address (`::` expanded, a trailing dotted quad folded in). */
function v6Groups(text: string): number[] {
  let body = text.toLowerCase().split('%')[0]!;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (quad) {
    const w = v4Word(quad[1]!);
    body = `${body.slice(0, quad.index)}${(w >>> 16).toString(16)}:${(w & 0xffff).toString(16)}`;
  }
  const [head, tail] = body.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return tail === undefined
    ? left
    : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

export function wordsOf(text: string, family: 4 | 6): Uint32Array {
  if (family === 4) return Uint32Array.of(0, 0, 0, v4Word(text));
  const g = v6Groups(text);
  return Uint32Array.from([0, 2, 4, 6], (i) => ((g[i]! << 16) | g[i + 1]!) >>> 0);
}

/** Parses an IPv4 or IPv6 address; null for anything else (host names, CIDR blocks, ports). */
export function parseIp(input: string): IpAddress | null {
  const text = input.trim();
  const family = isIP(text);
  if (family === 4) return { family: 4, text, words: wordsOf(text, 4) };
  if (family !== 6) return null;
  const words = wordsOf(text, 6);
  if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) {
    const w = words[3]!;
    const v4 = `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
    return { family: 4, text: v4, words: Uint32Array.of(0, 0, 0, w) };
  }
  return { family: 6, text: new URL(`http://[${text.split('%')[0]}]/`).hostname.slice(1, -1), words };
}

/** -1, 0 or 1, comparing `a` at offset `i` (four words) with `b` at offset `j`. */
export function compareWords(a: Uint32Array, i: number, b: Uint32Array, j: number): number {
  for (let k = 0; k < 4; k++) {
    const x = a[i + k]!;
    const y = b[j + k]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The first address of the block of `prefix` bits (counted in the family's width) holding `address`. */
function maskWords(address: IpAddress, prefix: number, fill: boolean): Uint32Array {
  const offset = address.family === 4 ? 96 : 0;
  const out = new Uint32Array(4);
  for (let k = 0; k < 4; k++) {
    const keep = Math.max(0, Math.min(32, prefix + offset - 32 * k));
    const mask = keep === 0 ? 0 : (0xffffffff << (32 - keep)) >>> 0;
    out[k] = fill ? (address.words[k]! | ~mask) >>> 0 : (address.words[k]! & mask) >>> 0;
  }
  if (address.family === 4) out.fill(0, 0, 3);
  return out;
}

export function formatWords(words: Uint32Array, family: 4 | 6): string {
  if (family === 4) {
    const w = words[3]!;
    return `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
  }
  const groups = [...words].flatMap((w) => [(w >>> 16).toString(16), (w & 0xffff).toString(16)]);
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** `address` masked to `prefix` bits, as CIDR text (`8.8.8.0/24`). */
export function networkOf(address: IpAddress, prefix: number): string {
  return `${formatWords(maskWords(address, prefix, false), address.family)}/${prefix}`;
}

/**
 * The largest CIDR block that holds `address` and lies inside the inclusive range `[start, end]`
 * (ranges in the ASN data need not fall on block boundaries).
 */
export function blockWithin(address: IpAddress, start: Uint32Array, end: Uint32Array): string {
  const width = address.family === 4 ? 32 : 128;
  for (let prefix = 0; prefix < width; prefix++) {
    const first = maskWords(address, prefix, false);
    const last = maskWords(address, prefix, true);
    if (compareWords(first, 0, start, 0) >= 0 && compareWords(last, 0, end, 0) <= 0)
      return networkOf(address, prefix);
  }
  return networkOf(address, width);
}

/** Whether `address` lies in the CIDR block `network` (same family). */
export function inBlock(address: IpAddress, network: IpAddress, prefix: number): boolean {
  if (address.family !== network.family) return false;
  return compareWords(maskWords(address, prefix, false), 0, maskWords(network, prefix, false), 0) === 0;
}
