import { RiposteError } from '../core/riposte-error.ts';

/**
 * An e-mail source that Riposte fills itself by reading a mailbox (`options.mailbox` of a source of
 * format `email`): which imap integration instance to log in with, which account and folder to read,
 * how often.
 */
export interface MailboxOptions {
  /** The imap integration instance (its host, port, login and password). */
  instance: string;
  /** The account to read when the instance covers several mailboxes (master user). */
  account?: string;
  folder: string;
  everySeconds: number;
}

export const MAILBOX_DEFAULTS = { folder: 'INBOX', everySeconds: 60 } as const;
const KEYS = ['instance', 'account', 'folder', 'every_seconds'];

function invalid(message: string, key: string): RiposteError {
  return new RiposteError('validation_failed', `options.mailbox${key ? `.${key}` : ''}: ${message}`, {
    path: `/options/mailbox${key ? `/${key}` : ''}`,
  });
}

/** The mailbox a source reads, checked; null when it has none (it is only fed through the API). */
export function mailboxOptions(options: Readonly<Record<string, unknown>>): MailboxOptions | null {
  const raw = options['mailbox'];
  if (raw === undefined) return null;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw invalid('must be an object such as { "instance": "phish-reports" }', '');
  const fields = raw as Record<string, unknown>;
  const unknown = Object.keys(fields).find((k) => !KEYS.includes(k));
  if (unknown !== undefined) throw invalid(`unknown key (known: ${KEYS.join(', ')})`, unknown);
  const text = (key: string, required: boolean): string | undefined => {
    const value = fields[key];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value.trim() === '' || value.length > 200)
      throw invalid('must be a non-empty string', key);
    return value.trim();
  };
  const every = fields['every_seconds'] ?? MAILBOX_DEFAULTS.everySeconds;
  if (typeof every !== 'number' || !Number.isInteger(every) || every < 10 || every > 86_400)
    throw invalid('must be a whole number of seconds from 10 to 86400', 'every_seconds');
  const account = text('account', false);
  return {
    instance: text('instance', true)!,
    ...(account === undefined ? {} : { account }),
    folder: text('folder', false) ?? MAILBOX_DEFAULTS.folder,
    everySeconds: every,
  };
}
