import { RiposteError } from '../core/riposte-error.ts';

/**
 * Database errors that say the database cannot take this now — full, read-only, busy with another
 * process's write, or out of reach — as opposed to a fault in what was asked. Such a request is the
 * server's problem, not the sender's: it is answered 503 `storage_unavailable` with Retry-After
 * (src/server/problem.ts), and a batch that meets one is not retried piece by piece, since no piece
 * can succeed either (src/store/group-commit.ts, src/ingest/ingest-writer.ts).
 */
export interface StorageTrouble {
  reason: 'full' | 'disk' | 'read-only' | 'busy' | 'resources' | 'unreachable';
  /** What the database said, in a few words, with its code. */
  what: string;
  retryAfterSeconds: number;
}

/** Socket errors on the way to PostgreSQL (Node's codes). */
const UNREACHABLE_SOCKET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** node-postgres reports a lost or failed connection in words, without a code. */
const UNREACHABLE_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

function codeOf(error: object): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function classify(error: unknown): StorageTrouble | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const code = codeOf(error);
  const message = String((error as { message?: unknown }).message ?? '');
  if (code !== undefined) {
    // SQLite (better-sqlite3), with extended codes: SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED, …
    if (code === 'SQLITE_FULL')
      return { reason: 'full', what: `is full (${code}: ${message})`, retryAfterSeconds: 30 };
    if (code.startsWith('SQLITE_IOERR'))
      return {
        reason: 'disk',
        what: `cannot write to its disk (${code}: ${message})`,
        retryAfterSeconds: 30,
      };
    if (code.startsWith('SQLITE_READONLY'))
      return { reason: 'read-only', what: `is read-only (${code})`, retryAfterSeconds: 30 };
    if (code.startsWith('SQLITE_BUSY'))
      return { reason: 'busy', what: `is busy with another process's write (${code})`, retryAfterSeconds: 1 };
    if (code === 'SQLITE_CANTOPEN')
      return { reason: 'unreachable', what: `cannot be opened (${code})`, retryAfterSeconds: 30 };
    // PostgreSQL SQLSTATEs.
    if (code === '53100')
      return { reason: 'full', what: `is full (${code}: ${message})`, retryAfterSeconds: 30 };
    if (code.startsWith('53'))
      return { reason: 'resources', what: `is out of resources (${code}: ${message})`, retryAfterSeconds: 5 };
    if (code === '25006')
      return { reason: 'read-only', what: `is read-only (${code}: ${message})`, retryAfterSeconds: 30 };
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '3D000')
      return { reason: 'unreachable', what: `is out of reach (${code}: ${message})`, retryAfterSeconds: 5 };
    if (code === '55000' && /not currently accepting connections/.test(message))
      return { reason: 'unreachable', what: `is out of reach (${code}: ${message})`, retryAfterSeconds: 5 };
    if (UNREACHABLE_SOCKET.has(code))
      return { reason: 'unreachable', what: `is out of reach (${code})`, retryAfterSeconds: 5 };
  }
  if (UNREACHABLE_MESSAGE.test(message))
    return { reason: 'unreachable', what: `is out of reach (${message})`, retryAfterSeconds: 5 };
  return undefined;
}

/** The storage trouble an error reports (itself or its causes), or undefined for any other error. */
export function storageTrouble(error: unknown): StorageTrouble | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const found = classify(current);
    if (found) return found;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The 503 for a request that met storage trouble (`cause` keeps the database's own error for the log). */
export function storageUnavailable(trouble: StorageTrouble, cause: unknown): RiposteError {
  return new RiposteError(
    'storage_unavailable',
    `the database ${trouble.what}; nothing of this request was stored — try again in ${trouble.retryAfterSeconds} s`,
    { extra: { retryAfterSeconds: trouble.retryAfterSeconds }, cause },
  );
}
