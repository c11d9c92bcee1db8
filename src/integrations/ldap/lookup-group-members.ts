import { type Static, Type } from '@sinclair/typebox';
import { defineAction } from '../sdk/integration.ts';
import { type DirectoryEntry, rdnValue } from './directory-entry.ts';
import { type DirectorySession, withDirectory } from './directory-session.ts';
import { fillFilter, orFilter } from './ldap-filter.ts';
import { displayNameOf, Nullable, usernameOf } from './lookup-user.ts';

export const LookupGroupMembersInput = Type.Object(
  {
    /** The group's name (matched by the instance's group_filter) or its full DN. */
    group: Type.String({ minLength: 1, maxLength: 1024 }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
  },
  { additionalProperties: false },
);

const Member = Type.Object({
  /** Null for a posixGroup memberUid that names no entry. */
  dn: Nullable(Type.String()),
  type: Type.Union([Type.Literal('user'), Type.Literal('group'), Type.Literal('missing')]),
  username: Nullable(Type.String()),
  display_name: Nullable(Type.String()),
  email: Nullable(Type.String()),
});
type Member = Static<typeof Member>;

export const LookupGroupMembersOutput = Type.Union([
  Type.Object({
    found: Type.Literal(true),
    dn: Type.String(),
    name: Type.String(),
    description: Nullable(Type.String()),
    member_count: Type.Integer(),
    /** More members than `limit`: only the first `limit` are listed. */
    truncated: Type.Boolean(),
    members: Type.Array(Member),
  }),
  Type.Object({ found: Type.Literal(false) }),
]);

export const GROUP_CLASSES = new Set(['groupofnames', 'groupofuniquenames', 'posixgroup', 'group']);
const GROUP_ATTRIBUTES = ['objectClass', 'cn', 'description', 'member', 'uniqueMember', 'memberUid'];
const MEMBER_ATTRIBUTES = [
  'objectClass',
  'uid',
  'sAMAccountName',
  'cn',
  'displayName',
  'mail',
  'userPrincipalName',
];
/** Member lookups in flight at once on the one connection. */
const PARALLEL = 10;

/** A group by DN, or by name through the instance's group_filter; several matches are `ambiguous`. */
export async function findGroup(
  directory: DirectorySession,
  group: string,
  attributes: string[] = GROUP_ATTRIBUTES,
): Promise<DirectoryEntry | null> {
  const { settings } = directory;
  // A DN names itself; anything else is a name for the configured filter.
  if (/^[A-Za-z][\w-]*=.+/.test(group) && group.includes(',')) return directory.read(group, attributes);
  return directory.findOne(
    fillFilter(settings.groupFilter, 'group', group),
    attributes,
    'groups',
    "pass the group's DN",
  );
}

function member(entry: DirectoryEntry): Member {
  const isGroup = entry.values('objectClass').some((c) => GROUP_CLASSES.has(c.toLowerCase()));
  return {
    dn: entry.dn,
    type: isGroup ? 'group' : 'user',
    username: isGroup ? null : usernameOf(entry),
    display_name: displayNameOf(entry),
    email: entry.first('mail') ?? entry.first('userPrincipalName'),
  };
}

const missing = (dn: string | null, username: string | null = null): Member => ({
  dn,
  type: 'missing',
  username,
  display_name: null,
  email: null,
});

async function inBatches<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += PARALLEL)
    out.push(...(await Promise.all(items.slice(i, i + PARALLEL).map(work))));
  return out;
}

async function membersByUid(directory: DirectorySession, uids: string[]): Promise<Member[]> {
  if (uids.length === 0) return [];
  const { settings } = directory;
  const filter = orFilter(...uids.map((u) => fillFilter(settings.userFilter, 'username', u)));
  const found = new Map(
    (await directory.search(settings.baseDn, { filter, attributes: MEMBER_ATTRIBUTES }))
      .map(member)
      .map((m) => [m.username, m]),
  );
  return uids.map((uid) => found.get(uid) ?? missing(null, uid));
}

export const lookupGroupMembers = defineAction({
  name: 'lookup_group_members',
  title: 'List a group’s members',
  description:
    'Finds a group by name or DN and lists its members (groupOfNames, groupOfUniqueNames, posixGroup or an ' +
    'Active Directory group), each resolved to username, display name and email. Nested groups are listed, not expanded.',
  effect: 'read',
  input: LookupGroupMembersInput,
  output: LookupGroupMembersOutput,
  timeoutMs: 60_000,
  cacheTtlSeconds: 60,
  run: (input, context) =>
    withDirectory(context.fields, context.signal, async (directory) => {
      const group = await findGroup(directory, input.group);
      if (!group) return { found: false as const };
      const limit = input.limit ?? 200;
      // uniqueMember may carry an optional `#'0101'B` UID suffix (RFC 4517 NameAndOptionalUID).
      const dns = [
        ...group.values('member'),
        ...group.values('uniqueMember').map((v) => v.replace(/#'[01]*'B$/, '')),
      ];
      const uids = group.values('memberUid');
      const total = dns.length + uids.length;
      const listedDns = dns.slice(0, limit);
      const listedUids = uids.slice(0, Math.max(0, limit - listedDns.length));
      const byDn = await inBatches(listedDns, async (dn) => {
        const entry = await directory.read(dn, MEMBER_ATTRIBUTES);
        return entry ? member(entry) : missing(dn);
      });
      return {
        found: true as const,
        dn: group.dn,
        name: group.first('cn') ?? rdnValue(group.dn),
        description: group.first('description'),
        member_count: total,
        truncated: total > limit,
        members: [...byDn, ...(await membersByUid(directory, listedUids))],
      };
    }),
});
