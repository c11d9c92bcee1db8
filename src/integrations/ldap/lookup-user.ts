import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { defineAction, type EnrichmentFinding } from '../sdk/integration.ts';
import {
  ACCOUNT_STATUS_ATTRIBUTES,
  ACCOUNT_STATUSES,
  accountStatus,
  lastPasswordChange,
} from './account-status.ts';
import { type DirectoryEntry, rdnValue } from './directory-entry.ts';
import { type DirectorySession, withDirectory } from './directory-session.ts';
import { fillFilter, orFilter } from './ldap-filter.ts';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const Name = Type.String({ minLength: 1, maxLength: 256 });

export const LookupUserInput = Type.Union([
  Type.Object({ username: Name }, { additionalProperties: false }),
  Type.Object({ email: Type.String({ minLength: 3, maxLength: 320 }) }, { additionalProperties: false }),
]);
export type LookupUserInput = Static<typeof LookupUserInput>;

export const DirectoryGroup = Type.Object({ dn: Type.String(), name: Type.String() });

export const DirectoryUser = Type.Object({
  found: Type.Literal(true),
  dn: Type.String(),
  username: Nullable(Type.String()),
  display_name: Nullable(Type.String()),
  email: Nullable(Type.String()),
  title: Nullable(Type.String()),
  department: Nullable(Type.String()),
  manager: Nullable(
    Type.Object({
      dn: Type.String(),
      username: Nullable(Type.String()),
      display_name: Nullable(Type.String()),
    }),
  ),
  account_status: Type.Union(ACCOUNT_STATUSES.map((s) => Type.Literal(s))),
  /** Which attribute said so, for the analyst ("locked since …"). */
  account_status_reason: Nullable(Type.String()),
  groups: Type.Array(DirectoryGroup),
  phone: Nullable(Type.String()),
  /** ISO 8601. */
  last_password_change: Nullable(Type.String()),
});
export type DirectoryUser = Static<typeof DirectoryUser>;

export const LookupUserOutput = Type.Union([DirectoryUser, Type.Object({ found: Type.Literal(false) })]);
export type LookupUserOutput = Static<typeof LookupUserOutput>;

/** OpenLDAP (inetOrgPerson) names first, then Active Directory's; unknown ones are ignored by the server. */
export const USER_ATTRIBUTES = [
  'objectClass',
  'uid',
  'sAMAccountName',
  'cn',
  'displayName',
  'mail',
  'userPrincipalName',
  'title',
  'department',
  'departmentNumber',
  'ou',
  'manager',
  'telephoneNumber',
  'mobile',
  // memberOf is operational on OpenLDAP: it only comes back when asked for by name.
  'memberOf',
  ...ACCOUNT_STATUS_ATTRIBUTES,
];

export const usernameOf = (e: DirectoryEntry) => e.first('uid') ?? e.first('sAMAccountName');
export const displayNameOf = (e: DirectoryEntry) => e.first('displayName') ?? e.first('cn');

/** The one entry the instance's user or email filter matches, or null; several are an `ambiguous` error. */
export async function findUser(
  directory: DirectorySession,
  input: LookupUserInput,
  attributes: string[] = USER_ATTRIBUTES,
): Promise<DirectoryEntry | null> {
  const { settings } = directory;
  const filter =
    'username' in input
      ? fillFilter(settings.userFilter, 'username', input.username)
      : fillFilter(settings.emailFilter, 'email', input.email);
  return directory.findOne(filter, attributes, 'directory entries');
}

async function managerOf(directory: DirectorySession, entry: DirectoryEntry) {
  const dn = entry.first('manager');
  if (!dn) return null;
  const manager = await directory.read(dn, ['uid', 'sAMAccountName', 'displayName', 'cn']);
  return { dn, username: manager && usernameOf(manager), display_name: manager && displayNameOf(manager) };
}

/** `memberOf` when the server keeps it (AD, OpenLDAP's memberof overlay); otherwise the groups naming the user. */
async function groupsOf(directory: DirectorySession, entry: DirectoryEntry) {
  const memberOf = entry.values('memberOf');
  if (memberOf.length > 0) return memberOf.map((dn) => ({ dn, name: rdnValue(dn) }));
  const uid = usernameOf(entry);
  const filter = orFilter(
    fillFilter('(&(objectClass=groupOfNames)(member={dn}))', 'dn', entry.dn),
    fillFilter('(&(objectClass=groupOfUniqueNames)(uniqueMember={dn}))', 'dn', entry.dn),
    ...(uid ? [fillFilter('(&(objectClass=posixGroup)(memberUid={uid}))', 'uid', uid)] : []),
  );
  const groups = await directory.search(directory.settings.baseDn, { filter, attributes: ['cn'] });
  return groups.map((g) => ({ dn: g.dn, name: g.first('cn') ?? rdnValue(g.dn) }));
}

async function describeUser(directory: DirectorySession, entry: DirectoryEntry): Promise<DirectoryUser> {
  const [manager, groups] = await Promise.all([managerOf(directory, entry), groupsOf(directory, entry)]);
  const { status, reason } = accountStatus(entry, new Date());
  return {
    found: true,
    dn: entry.dn,
    username: usernameOf(entry),
    display_name: displayNameOf(entry),
    email: entry.first('mail') ?? entry.first('userPrincipalName'),
    title: entry.first('title'),
    department: entry.first('department') ?? entry.first('departmentNumber') ?? entry.first('ou'),
    manager,
    account_status: status,
    account_status_reason: reason,
    groups: groups.sort((a, b) => a.name.localeCompare(b.name)),
    phone: entry.first('telephoneNumber') ?? entry.first('mobile'),
    last_password_change: lastPasswordChange(entry),
  };
}

/** "Finance, manager bob", plus the account's state when it is not plainly enabled. */
export function userSummary(output: LookupUserOutput): EnrichmentFinding {
  if (!output.found) return { verdict: 'unknown', score: null, summary: 'not in the directory' };
  const manager =
    output.manager && (output.manager.username ?? output.manager.display_name ?? output.manager.dn);
  const parts = [
    output.department ?? output.title,
    manager && `manager ${manager}`,
    output.account_status !== 'enabled' && `account ${output.account_status}`,
  ].filter((p): p is string => typeof p === 'string' && p.length > 0);
  return { verdict: 'unknown', score: null, summary: parts.join(', ') || output.dn };
}

export const lookupUser = defineAction({
  name: 'lookup_user',
  title: 'Look up a user',
  description:
    'Finds a person in the directory by username or email: name, title, department, manager, groups, ' +
    'whether the account is enabled, disabled or locked, and when the password was last changed.',
  effect: 'read',
  input: LookupUserInput,
  output: LookupUserOutput,
  timeoutMs: 30_000,
  cacheTtlSeconds: 60,
  enrichment: {
    // A directory lookup gives context, never a verdict.
    observable: (input) =>
      'username' in input ? { type: 'user', value: input.username } : { type: 'email', value: input.email },
    finding: userSummary,
  },
  run: (input, context) =>
    withDirectory(context.fields, context.signal, async (directory) => {
      const entry = await findUser(directory, input);
      return entry ? describeUser(directory, entry) : { found: false as const };
    }),
});
