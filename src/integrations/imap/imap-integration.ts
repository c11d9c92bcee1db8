import { defineIntegration } from '../sdk/integration.ts';
import { deleteMessage } from './delete-message.ts';
import { findMessage } from './find-message.ts';
import {
  DEFAULT_FOLDERS,
  DEFAULT_QUARANTINE_FOLDER,
  DEFAULT_SEPARATOR,
  DEFAULT_TIMEOUT_SECONDS,
} from './imap-settings.ts';
import { forEachMailbox } from './mailbox-session.ts';
import { quarantineMessage } from './quarantine-message.ts';
import { releaseMessage } from './release-message.ts';

/**
 * Email quarantine over IMAP, across many mailboxes with a master (admin) user or in one mailbox
 * with its own credentials. It speaks IMAP itself (imapflow) rather than through the SDK's HTTP
 * client: `auth` is none and `baseUrl` unused; each action logs in to each mailbox in scope.
 */
export const imapIntegration = defineIntegration({
  id: 'imap',
  name: 'IMAP mailboxes',
  version: '1.0.0',
  categories: ['email'],
  docs: 'https://www.rfc-editor.org/rfc/rfc9051',
  baseUrl: 'imaps://localhost:993',
  credentials: [
    {
      name: 'host',
      label: 'Server',
      secret: false,
      required: true,
      description: 'The IMAP server’s host name.',
    },
    {
      name: 'port',
      label: 'Port',
      secret: false,
      required: false,
      description: '993 with tls, 143 without (the default for each).',
    },
    {
      name: 'tls',
      label: 'TLS',
      secret: false,
      required: false,
      default: 'true',
      description:
        'true: implicit TLS (imaps). false: plain IMAP, upgraded with STARTTLS when the server offers it.',
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
      required: true,
      description:
        'The master (admin) user when mailboxes is set, e.g. Dovecot’s master user; otherwise the one mailbox’s own login.',
    },
    { name: 'password', label: 'Password', secret: true, required: true },
    {
      name: 'mailboxes',
      label: 'Mailboxes',
      secret: false,
      required: false,
      description:
        'The mailboxes (accounts) searched and acted on, separated by commas or spaces. Empty: only the login’s own mailbox.',
    },
    {
      name: 'impersonation',
      label: 'Master login style',
      secret: false,
      required: false,
      default: 'separator',
      description:
        'separator: log in as <mailbox><separator><username> (Dovecot auth_master_user_separator). authzid: SASL PLAIN with the mailbox as authorization identity (Dovecot, Cyrus).',
    },
    {
      name: 'master_separator',
      label: 'Master user separator',
      secret: false,
      required: false,
      default: DEFAULT_SEPARATOR,
    },
    {
      name: 'folders',
      label: 'Folders searched',
      secret: false,
      required: false,
      default: DEFAULT_FOLDERS,
      description:
        'Folders searched in each mailbox, separated by commas; * for every folder but the quarantine.',
    },
    {
      name: 'quarantine_folder',
      label: 'Quarantine folder',
      secret: false,
      required: false,
      default: DEFAULT_QUARANTINE_FOLDER,
      description: 'Created in each mailbox when a message is first quarantined there.',
    },
    {
      name: 'timeout_seconds',
      label: 'Timeout (seconds)',
      secret: false,
      required: false,
      default: String(DEFAULT_TIMEOUT_SECONDS),
      description: 'For connecting and for each IMAP command.',
    },
  ],
  auth: { kind: 'none' },
  // Logs in to every mailbox in scope: a master user that cannot enter one of them shows here.
  testConnection: async (context) => {
    await forEachMailbox(context.fields, context.signal, undefined, (s) => s.allFolders());
  },
  actions: [findMessage, quarantineMessage, releaseMessage, deleteMessage],
});
