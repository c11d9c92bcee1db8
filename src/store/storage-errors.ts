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

/** Each kind of trouble: what it is called in the metric, how it reads, when to try again. */
const KINDS = {
  full: { reason: 'full', phrase: 'is full', retryAfterSeconds: 30 },
  disk: { reason: 'disk', phrase: 'cannot write to its disk', retryAfterSeconds: 30 },
  readOnly: { reason: 'read-only', phrase: 'is read-only', retryAfterSeconds: 30 },
  busy: { reason: 'busy', phrase: "is busy with another process's write", retryAfterSeconds: 1 },
  resources: { reason: 'resources', phrase: 'is out of resources', retryAfterSeconds: 5 },
  unreachable: { reason: 'unreachable', phrase: 'is out of reach', retryAfterSeconds: 5 },
  unopened: { reason: 'unreachable', phrase: 'cannot be opened', retryAfterSeconds: 30 },
} as const satisfies Record<
  string,
  { reason: StorageTrouble['reason']; phrase: string; retryAfterSeconds: number }
>;

/** `said`: the database's own words, its code first. */
function trouble(kind: keyof typeof KINDS, said: string): StorageTrouble {
  const { reason, phrase, retryAfterSeconds } = KINDS[kind];
  return { reason, what: `${phrase} (${said})`, retryAfterSeconds };
}

function classify(error: unknown): StorageTrouble | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const code = (error as { code?: unknown }).code;
  const message = String((error as { message?: unknown }).message ?? '');
  if (typeof code === 'string') {
    const said = `${code}: ${message}`;
    // SQLite (better-sqlite3), with extended codes: SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED, …
    if (code === 'SQLITE_FULL') return trouble('full', said);
    if (code.startsWith('SQLITE_IOERR')) return trouble('disk', said);
    if (code.startsWith('SQLITE_READONLY')) return trouble('readOnly', code);
    if (code.startsWith('SQLITE_BUSY')) return trouble('busy', code);
    if (code === 'SQLITE_CANTOPEN') return trouble('unopened', code);
    // PostgreSQL SQLSTATEs.
    if (code === '53100') return trouble('full', said);
    if (code.startsWith('53')) return trouble('resources', said);
    if (code === '25006') return trouble('readOnly', said);
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '3D000')
      return trouble('unreachable', said);
    if (code === '55000' && /not currently accepting connections/.test(message))
      return trouble('unreachable', said);
    if (UNREACHABLE_SOCKET.has(code)) return trouble('unreachable', code);
  }
  if (UNREACHABLE_MESSAGE.test(message)) return trouble('unreachable', message);
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
