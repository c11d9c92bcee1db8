import { ActionError } from '../../core/action.ts';

export const DEFAULT_QUARANTINE_FOLDER = 'Quarantine';
export const DEFAULT_FOLDERS = 'INBOX';
export const DEFAULT_SEPARATOR = '*';
export const DEFAULT_TIMEOUT_SECONDS = 30;
export const IMPERSONATIONS = ['separator', 'authzid'] as const;
export type Impersonation = (typeof IMPERSONATIONS)[number];

/** An instance's fields, checked and typed; built per call so an edited instance takes effect at once. */
export interface ImapSettings {
  host: string;
  port: number;
  /** Implicit TLS (993). Without it the connection is upgraded with STARTTLS when the server offers it. */
  tls: boolean;
  tlsCa: string | undefined;
  username: string;
  password: string;
  quarantineFolder: string;
  /**
   * The mailboxes (accounts) acted on, entered with the master user. Empty: the login's own
   * mailbox only (per-mailbox credentials, one instance per mailbox).
   */
  mailboxes: string[];
  /** Folders searched in each mailbox; `['*']` is every selectable folder but the quarantine. */
  folders: string[];
  impersonation: Impersonation;
  separator: string;
  timeoutMs: number;
}

function invalid(message: string): ActionError {
  return new ActionError('invalid_configuration', message, { retryable: false });
}

function required(fields: Readonly<Record<string, string>>, name: string): string {
  const value = fields[name]?.trim();
  if (!value) throw invalid(`the imap instance has no ${name}`);
  return value;
}

function list(text: string | undefined): string[] {
  return [
    ...new Set(
      (text ?? '')
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

function bool(fields: Readonly<Record<string, string>>, name: string, fallback: boolean): boolean {
  const value = fields[name]?.trim().toLowerCase();
  if (!value) return fallback;
  if (value === 'true' || value === 'yes' || value === '1') return true;
  if (value === 'false' || value === 'no' || value === '0') return false;
  throw invalid(`${name} must be true or false`);
}

export function imapSettings(fields: Readonly<Record<string, string>>): ImapSettings {
  const tls = bool(fields, 'tls', true);
  const portText = fields['port']?.trim();
  const port = portText ? Number(portText) : tls ? 993 : 143;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid('port must be a TCP port number');
  const tlsCa = fields['tls_ca']?.trim() || undefined;
  if (tlsCa && !tls)
    throw invalid('tls_ca is set but tls is false; set tls to true for a verified connection');
  // Not trimmed: a password may end in a space.
  const password = fields['password'];
  if (!password) throw invalid('the imap instance has no password');
  const impersonation = (fields['impersonation']?.trim() || 'separator') as Impersonation;
  if (!IMPERSONATIONS.includes(impersonation))
    throw invalid(`impersonation must be one of ${IMPERSONATIONS.join(', ')}`);
  const separator = fields['master_separator']?.trim() || DEFAULT_SEPARATOR;
  const quarantineFolder = fields['quarantine_folder']?.trim() || DEFAULT_QUARANTINE_FOLDER;
  if (quarantineFolder.toUpperCase() === 'INBOX') throw invalid('quarantine_folder cannot be INBOX');
  const folders = list(fields['folders'] || DEFAULT_FOLDERS);
  if (folders.includes('*') && folders.length > 1) throw invalid('folders is either * or a list of folders');
  const timeoutText = fields['timeout_seconds']?.trim();
  const timeoutSeconds = timeoutText ? Number(timeoutText) : DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 300)
    throw invalid('timeout_seconds must be a number of seconds between 0 and 300');
  return {
    host: required(fields, 'host'),
    port,
    tls,
    tlsCa,
    username: required(fields, 'username'),
    password,
    quarantineFolder,
    mailboxes: list(fields['mailboxes']),
    folders: folders.filter((f) => f !== quarantineFolder),
    impersonation,
    separator,
    timeoutMs: Math.round(timeoutSeconds * 1000),
  };
}

/** The mailboxes an action covers: the named ones (each must be in the instance's scope) or all. */
export function mailboxesIn(settings: ImapSettings, named?: readonly string[]): string[] {
  const scope = settings.mailboxes.length > 0 ? settings.mailboxes : [settings.username];
  if (!named || named.length === 0) return scope;
  const outside = named.filter((m) => !scope.includes(m));
  if (outside.length > 0)
    throw new ActionError('invalid_input', `mailboxes outside this instance's scope: ${outside.join(', ')}`, {
      retryable: false,
    });
  return [...new Set(named)];
}
