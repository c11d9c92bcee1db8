import { defineIntegration } from '../sdk/integration.ts';
import { sendMail } from './send-mail.ts';
import { smtpError } from './smtp-error.ts';
import { DEFAULT_TIMEOUT_SECONDS, smtpSettings } from './smtp-settings.ts';
import { smtpTransport } from './smtp-transport.ts';

/**
 * Notification by mail over SMTP (RFC 5321) with nodemailer. It speaks SMTP itself rather than
 * through the SDK's HTTP client: `auth` is none and `baseUrl` unused.
 */
export const smtpIntegration = defineIntegration({
  id: 'smtp',
  name: 'SMTP mail',
  version: '1.0.0',
  categories: ['notification', 'email'],
  docs: 'https://www.rfc-editor.org/rfc/rfc5321',
  baseUrl: 'smtp://localhost:587',
  credentials: [
    {
      name: 'host',
      label: 'Server',
      secret: false,
      required: true,
      description: 'The SMTP submission server.',
    },
    {
      name: 'port',
      label: 'Port',
      secret: false,
      required: false,
      description: '587 (submission, STARTTLS) by default; 465 with secure.',
    },
    {
      name: 'secure',
      label: 'Implicit TLS',
      secret: false,
      required: false,
      description:
        'true: TLS from the first byte (port 465). false: plain, upgraded with STARTTLS when the server offers it. Default: true on port 465.',
    },
    {
      name: 'tls_ca',
      label: 'CA certificate (PEM)',
      secret: false,
      required: false,
      description: 'For a server certificate signed by a private CA. Certificates are always verified.',
    },
    {
      name: 'username',
      label: 'Username',
      secret: false,
      required: false,
      description: 'Empty for a relay that takes mail without authentication.',
    },
    { name: 'password', label: 'Password', secret: true, required: false },
    {
      name: 'from',
      label: 'From',
      secret: false,
      required: true,
      description: 'The sender, e.g. "Riposte SOC <soc@example.org>".',
    },
    {
      name: 'timeout_seconds',
      label: 'Timeout (seconds)',
      secret: false,
      required: false,
      default: String(DEFAULT_TIMEOUT_SECONDS),
    },
  ],
  auth: { kind: 'none' },
  testConnection: async (context) => {
    const settings = smtpSettings(context.fields);
    const transport = smtpTransport(settings);
    try {
      await transport.verify();
    } catch (error) {
      throw smtpError(error, settings, 'connect and log in');
    } finally {
      transport.close();
    }
  },
  actions: [sendMail],
});
