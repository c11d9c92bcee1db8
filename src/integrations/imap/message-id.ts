import { createHash } from 'node:crypto';
import { ActionError } from '../../core/action.ts';

/**
 * A Message-ID in its canonical `<left@right>` form (RFC 5322 3.6.4), from one typed with or
 * without the angle brackets. Case is kept: the left part is case-sensitive.
 */
export function canonicalMessageId(value: string): string {
  const bare = value.trim().replace(/^<|>$/g, '').trim();
  if (!bare || /[\s<>]/.test(bare))
    throw new ActionError('invalid_input', `not a Message-ID: ${JSON.stringify(value)}`, {
      retryable: false,
    });
  return `<${bare}>`;
}

/** Whether a header value names the message (the canonical id, or the same id without brackets). */
export function sameMessageId(header: string | undefined, canonical: string): boolean {
  if (!header) return false;
  try {
    return canonicalMessageId(header) === canonical;
  } catch {
    return false;
  }
}

const ORIGIN_PREFIX = '$RiposteFrom_';

/**
 * The keyword put on a message before it is moved to quarantine: which folder it came from, as a
 * short hash (keywords are atoms, and Dovecot caps them at 50 characters). It lets a release put
 * the message back even when the quarantine step's output was lost (a crash, then a retry that
 * found the message already quarantined).
 */
export function originKeyword(folder: string): string {
  return ORIGIN_PREFIX + createHash('sha256').update(folder).digest('hex').slice(0, 12);
}

/** The folder among `folders` that a message's origin keyword names, if any. */
export function originFolder(flags: Iterable<string>, folders: readonly string[]): string | null {
  const keywords = new Set([...flags].filter((f) => f.startsWith(ORIGIN_PREFIX)));
  if (keywords.size === 0) return null;
  return folders.find((folder) => keywords.has(originKeyword(folder))) ?? null;
}

export function isOriginKeyword(flag: string): boolean {
  return flag.startsWith(ORIGIN_PREFIX);
}

/** The entity a response action on a message acts on (guardrails and the action ledger key on it). */
export function messageTarget(value: string): { type: 'message'; value: string } {
  try {
    return { type: 'message', value: canonicalMessageId(value) };
  } catch {
    return { type: 'message', value };
  }
}
