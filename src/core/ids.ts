import { randomBytes } from 'node:crypto';
import { nowMs } from './clock.ts';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
let lastTime = 0;
let counter = 0;
// Random bytes drawn in blocks: one system call per 400 ids instead of one per id.
let pool = randomBytes(4000);
let poolOffset = 0;

function random10(): Buffer {
  if (poolOffset + 10 > pool.length) {
    pool = randomBytes(4000);
    poolOffset = 0;
  }
  poolOffset += 10;
  return pool.subarray(poolOffset - 10, poolOffset);
}

/**
 * A time-ordered, URL-safe id (10 chars of milliseconds + 2 of a per-millisecond counter + 10 random).
 * Ids sort by creation time, which is what cursor pagination relies on.
 */
export function newId(prefix = ''): string {
  let now = nowMs();
  if (now <= lastTime) {
    now = lastTime;
    counter++;
    if (counter >= 1024) {
      now = ++lastTime;
      counter = 0;
    }
  } else {
    counter = 0;
  }
  lastTime = now;
  let time = '';
  for (let i = 0, t = now; i < 10; i++, t = Math.floor(t / 32)) time = ALPHABET[t % 32] + time;
  const count = ALPHABET[(counter >> 5) & 31]! + ALPHABET[counter & 31]!;
  const bytes = random10();
  let rand = '';
  for (const b of bytes) rand += ALPHABET[b & 31];
  return prefix + time + count + rand;
}

/**
 * The smallest id `newId(prefix)` could have given at `timeMs`: ids made at or after that moment sort
 * at or after it, so `id >= idFloor(…)` bounds a keyset scan by creation time.
 */
export function idFloor(prefix: string, timeMs: number): string {
  let time = '';
  for (let i = 0, t = Math.max(0, Math.floor(timeMs)); i < 10; i++, t = Math.floor(t / 32))
    time = ALPHABET[t % 32] + time;
  return `${prefix}${time}${'0'.repeat(12)}`;
}

/** A high-entropy secret for tokens, base64url. */
export function newSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
