import { createTransport } from 'nodemailer';
import type { SmtpSettings } from './smtp-settings.ts';

/** A one-shot nodemailer SMTP transport for the instance: certificates verified, no file or URL content. */
export function smtpTransport(settings: SmtpSettings) {
  return createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    ...(settings.auth ? { auth: settings.auth } : {}),
    tls: { minVersion: 'TLSv1.2', ...(settings.tlsCa ? { ca: [settings.tlsCa] } : {}) },
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
    // Message content comes from playbooks: never let it name a local file or a URL to fetch.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
}
