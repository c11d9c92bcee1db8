import { RiposteError } from '../core/riposte-error.ts';

/**
 * Lists are ordered newest first by id (ids sort by creation time), so a cursor is the last id of the
 * page, opaque to clients. Keyset pagination stays fast at any depth, unlike OFFSET.
 */
export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]+_[0-9a-z]{22}$/.test(id)) {
    throw new RiposteError('invalid_cursor', 'cursor is not one this API returned; start again without it', {
      path: 'cursor',
    });
  }
  return id;
}

/** A cursor for lists in another order than by id: the last row's sort key, as a tuple of strings. */
export function encodeTupleCursor(parts: readonly string[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

export function decodeTupleCursor(cursor: string | undefined, length: number): string[] | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== length || !parsed.every((part) => typeof part === 'string'))
    throw new RiposteError('invalid_cursor', 'cursor is not one this API returned; start again without it', {
      path: 'cursor',
    });
  return parsed as string[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}

export function parseLimit(raw: unknown, fallback = 50, max = 500): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new RiposteError('validation_failed', `limit must be an integer from 1 to ${max}`, {
      path: 'limit',
    });
  }
  return n;
}
