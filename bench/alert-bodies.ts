import { eveAlert } from '../test/fixtures/own/suricata-eve.ts';

/**
 * Distinct Suricata EVE alerts for load. Alert n gets its own source address, signature id, flow id
 * and timestamp, so no two records share a fingerprint and dedup cannot flatter the figures.
 *
 * The body is the project's EVE fixture serialized once, with markers cut out and refilled per alert:
 * a few string concatenations instead of building and stringifying an object, so the load generator
 * spends its core on sending, not on making bodies.
 */
const MARKERS = /"@(SRC|SID|FLOW|TS)@"/g;
const BASE_TIME = Date.UTC(2026, 10, 20, 10, 0, 0);

const template = JSON.stringify(eveAlert({ srcIp: '@SRC@', timestamp: '@TS@', sid: 0 }))
  .replace('"signature_id":0', '"signature_id":"@SID@"')
  .replace(/"flow_id":\d+/, '"flow_id":"@FLOW@"');
const parts = template.split(MARKERS);
// split() with a capture group alternates text and marker names: text, name, text, name, …
const texts = parts.filter((_, i) => i % 2 === 0);
const names = parts.filter((_, i) => i % 2 === 1);
if ([...names].sort().join(',') !== 'FLOW,SID,SRC,TS') {
  throw new Error(`the EVE fixture changed shape; markers found: ${names.join(', ')}`);
}

function field(name: string, n: number): string {
  switch (name) {
    case 'SRC':
      return `"10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}"`;
    case 'SID':
      return String(2_000_000 + (n % 50_000));
    case 'FLOW':
      return String(1_000_000_000_000 + n);
    default:
      // Suricata's own timestamp format: microseconds and a +0000 offset.
      return `"${new Date(BASE_TIME + n).toISOString().slice(0, 23)}000+0000"`;
  }
}

/** The JSON text of EVE alert number n (n < 2^24 keeps source addresses distinct). */
export function eveBody(n: number): string {
  let out = texts[0]!;
  for (let i = 0; i < names.length; i++) out += field(names[i]!, n) + texts[i + 1]!;
  return out;
}

/** Counts alerts from `first` on; each call of `next` gives a body of `size` alerts (a JSON array when size > 1). */
export function alertSequence(first: number, size: number): { next: () => string; used: () => number } {
  let n = first;
  return {
    next() {
      if (size === 1) return eveBody(n++);
      const bodies: string[] = new Array<string>(size);
      for (let i = 0; i < size; i++) bodies[i] = eveBody(n++);
      return `[${bodies.join(',')}]`;
    },
    used: () => n - first,
  };
}
