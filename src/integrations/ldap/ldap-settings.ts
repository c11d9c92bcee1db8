import { ActionError } from '../../core/action.ts';

export const DEFAULT_USER_FILTER = '(&(objectClass=inetOrgPerson)(uid={username}))';
export const DEFAULT_EMAIL_FILTER = '(&(objectClass=inetOrgPerson)(mail={email}))';
export const DEFAULT_GROUP_FILTER =
  '(&(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))(cn={group}))';
export const DEFAULT_TIMEOUT_SECONDS = 10;

/** An instance's fields, checked and typed; built per call so an edited instance takes effect at once. */
export interface LdapSettings {
  url: string;
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  userFilter: string;
  emailFilter: string;
  groupFilter: string;
  /** PEM of the CA that signed the server's certificate (ldaps:// only); the system's CAs otherwise. */
  tlsCa: string | undefined;
  /** Both the TCP/TLS connect timeout and the per-operation timeout. */
  timeoutMs: number;
}

function invalid(message: string): ActionError {
  return new ActionError('invalid_configuration', message, { retryable: false });
}

function required(fields: Readonly<Record<string, string>>, name: string): string {
  const value = fields[name]?.trim();
  if (!value) throw invalid(`the ldap instance has no ${name}`);
  return value;
}

function template(
  fields: Readonly<Record<string, string>>,
  name: string,
  fallback: string,
  placeholder: string,
) {
  const value = fields[name]?.trim() || fallback;
  if (!value.includes(`{${placeholder}}`)) throw invalid(`${name} must contain {${placeholder}}`);
  if (!value.startsWith('(') || !value.endsWith(')'))
    throw invalid(`${name} must be a parenthesised LDAP filter`);
  return value;
}

/**
 * Not trimmed (a password may end in a space), and never empty: a simple bind with a DN and no
 * password is an "unauthenticated bind" that many servers accept as anonymous (RFC 4513 5.1.2).
 */
function password(fields: Readonly<Record<string, string>>): string {
  const value = fields['bind_password'];
  if (!value) throw invalid('the ldap instance has no bind_password');
  return value;
}

export function ldapSettings(fields: Readonly<Record<string, string>>): LdapSettings {
  const url = required(fields, 'url');
  if (!/^ldaps?:\/\/[^/]+\/?$/i.test(url))
    throw invalid('url must be ldap://host[:port] or ldaps://host[:port]');
  const tlsCa = fields['tls_ca']?.trim() || undefined;
  if (tlsCa && !/^ldaps:/i.test(url))
    throw invalid(
      'tls_ca is set but url is ldap:// (plain text); use ldaps:// for a verified TLS connection',
    );
  const timeoutText = fields['timeout_seconds']?.trim();
  const timeoutSeconds = timeoutText ? Number(timeoutText) : DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 300)
    throw invalid('timeout_seconds must be a number of seconds between 0 and 300');
  return {
    url: url.replace(/\/$/, ''),
    bindDn: required(fields, 'bind_dn'),
    bindPassword: password(fields),
    baseDn: required(fields, 'base_dn'),
    userFilter: template(fields, 'user_filter', DEFAULT_USER_FILTER, 'username'),
    emailFilter: template(fields, 'email_filter', DEFAULT_EMAIL_FILTER, 'email'),
    groupFilter: template(fields, 'group_filter', DEFAULT_GROUP_FILTER, 'group'),
    tlsCa,
    timeoutMs: Math.round(timeoutSeconds * 1000),
  };
}
