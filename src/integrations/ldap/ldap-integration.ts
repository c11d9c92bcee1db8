import { ActionError } from '../../core/action.ts';
import { defineIntegration } from '../sdk/integration.ts';
import { withDirectory } from './directory-session.ts';
import {
  DEFAULT_EMAIL_FILTER,
  DEFAULT_GROUP_FILTER,
  DEFAULT_TIMEOUT_SECONDS,
  DEFAULT_USER_FILTER,
} from './ldap-settings.ts';
import { disableAccount, enableAccount } from './account-disable.ts';
import { lockAccount, unlockAccount } from './account-lock.ts';
import { forcePasswordReset } from './force-password-reset.ts';
import { addToGroup, removeFromGroup } from './group-membership.ts';
import { lookupGroupMembers } from './lookup-group-members.ts';
import { lookupUser } from './lookup-user.ts';

/**
 * A directory over LDAP (OpenLDAP, Active Directory, 389-DS, …): lookups anywhere, response actions
 * on OpenLDAP with ppolicy. It speaks LDAP itself rather than through the SDK's HTTP client: `auth`
 * is none and `baseUrl` unused, the connector binds with the instance's service account for each
 * action (see README.md for the attribute mapping, the markers the actions write and their ACL).
 */
export const ldapIntegration = defineIntegration({
  id: 'ldap',
  name: 'LDAP directory',
  version: '1.1.0',
  categories: ['directory'],
  docs: 'https://www.rfc-editor.org/rfc/rfc4511',
  baseUrl: 'ldap://localhost:389',
  credentials: [
    {
      name: 'url',
      label: 'Server URL',
      secret: false,
      required: true,
      description:
        'ldap://host[:389] or ldaps://host[:636]. StartTLS is not supported: use ldaps:// for TLS.',
    },
    {
      name: 'bind_dn',
      label: 'Bind DN',
      secret: false,
      required: true,
      description:
        'The service account, e.g. cn=riposte,ou=services,dc=example,dc=org (AD: its DN or user@domain). ' +
        'The response actions need it to have write access to the attributes they change (see the README).',
    },
    { name: 'bind_password', label: 'Bind password', secret: true, required: true },
    {
      name: 'base_dn',
      label: 'Base DN',
      secret: false,
      required: true,
      description: 'Where users and groups are searched, e.g. dc=example,dc=org.',
    },
    {
      name: 'user_filter',
      label: 'User filter',
      secret: false,
      required: false,
      default: DEFAULT_USER_FILTER,
      description:
        '{username} is replaced by the escaped username. Active Directory: (&(objectClass=user)(sAMAccountName={username})).',
    },
    {
      name: 'email_filter',
      label: 'Email filter',
      secret: false,
      required: false,
      default: DEFAULT_EMAIL_FILTER,
      description:
        '{email} is replaced by the escaped address. Active Directory: (&(objectClass=user)(|(mail={email})(userPrincipalName={email}))).',
    },
    {
      name: 'group_filter',
      label: 'Group filter',
      secret: false,
      required: false,
      default: DEFAULT_GROUP_FILTER,
      description:
        '{group} is replaced by the escaped group name. Active Directory: (&(objectClass=group)(cn={group})).',
    },
    {
      name: 'tls_ca',
      label: 'CA certificate (PEM)',
      secret: false,
      required: false,
      description:
        'For ldaps:// with a private CA; the system CAs are used otherwise. Certificates are always verified.',
    },
    {
      name: 'timeout_seconds',
      label: 'Timeout (seconds)',
      secret: false,
      required: false,
      default: String(DEFAULT_TIMEOUT_SECONDS),
      description: 'For connecting and for each LDAP operation.',
    },
  ],
  auth: { kind: 'none' },
  testConnection: (context) =>
    withDirectory(context.fields, context.signal, async (directory) => {
      const base = directory.settings.baseDn;
      const entry = await directory.read(base, ['objectClass']);
      if (!entry)
        throw new ActionError(
          'invalid_configuration',
          `base_dn ${base} does not exist or the bind DN cannot see it`,
          {
            retryable: false,
          },
        );
    }),
  actions: [
    lookupUser,
    lookupGroupMembers,
    lockAccount,
    unlockAccount,
    disableAccount,
    enableAccount,
    removeFromGroup,
    addToGroup,
    forcePasswordReset,
  ],
});
