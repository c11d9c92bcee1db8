import { ActionError } from '../../core/action.ts';

export const DEFAULT_TIMEOUT_SECONDS = 30;

/** An instance's fields, checked and typed; built per call so an edited instance takes effect at once. */
export interface SmtpSettings {
  host: string;
  port: number;
  /** Implicit TLS (port 465). Without it the connection is upgraded with STARTTLS when the server offers it. */
  secure: boolean;
  tlsCa: string | undefined;
  /** Null: the relay takes mail without authentication (an internal relay). */
  auth: { user: string; pass: string } | null;
  from: string;
  timeoutMs: number;
}

function invalid(message: string): ActionError {
  return new ActionError('invalid_configuration', message, { retryable: false });
}

function bool(value: string | undefined, name: string): boolean | undefined {
  const text = value?.trim().toLowerCase();
  if (!text) return undefined;
  if (text === 'true' || text === 'yes' || text === '1') return true;
  if (text === 'false' || text === 'no' || text === '0') return false;
  throw invalid(`${name} must be true or false`);
}

export function smtpSettings(fields: Readonly<Record<string, string>>): SmtpSettings {
  const host = fields['host']?.trim();
  if (!host) throw invalid('the smtp instance has no host');
  const portText = fields['port']?.trim();
  const explicitSecure = bool(fields['secure'], 'secure');
  const port = portText ? Number(portText) : explicitSecure ? 465 : 587;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid('port must be a TCP port number');
  const secure = explicitSecure ?? port === 465;
  const tlsCa = fields['tls_ca']?.trim() || undefined;
  const user = fields['username']?.trim();
  // Not trimmed: a password may end in a space.
  const pass = fields['password'] ?? '';
  if (user && !pass) throw invalid('username is set but password is empty');
  const from = fields['from']?.trim();
  if (!from || !/@[^@\s>]+>?$/.test(from))
    throw invalid('from must be an address, e.g. "Riposte <soc@example.org>"');
  const timeoutText = fields['timeout_seconds']?.trim();
  const timeoutSeconds = timeoutText ? Number(timeoutText) : DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 300)
    throw invalid('timeout_seconds must be a number of seconds between 0 and 300');
  return {
    host,
    port,
    secure,
    tlsCa,
    auth: user ? { user, pass } : null,
    from,
    timeoutMs: Math.round(timeoutSeconds * 1000),
  };
}

/** The domain of the sender address, for the Message-ID's right-hand side. */
export function senderDomain(from: string): string {
  return /@([^@\s>]+)>?$/.exec(from)?.[1]?.toLowerCase() ?? 'riposte.invalid';
}
