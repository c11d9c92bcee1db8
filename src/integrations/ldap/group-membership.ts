import { type Static, Type } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import { defineAction, type IntegrationContext } from '../sdk/integration.ts';
import { AccountInput, requireUser, userTarget } from './account-action.ts';
import type { DirectoryEntry } from './directory-entry.ts';
import { type DirectorySession, withDirectory } from './directory-session.ts';
import { fillFilter } from './ldap-filter.ts';
import { findGroup } from './lookup-group-members.ts';
import { usernameOf } from './lookup-user.ts';
import { lookupTable } from '../../core/lookup-table.ts';

export const GroupMembershipInput = Type.Composite(
  [
    AccountInput,
    /** The group's name (matched by the instance's group_filter) or its full DN. */
    Type.Object({ group: Type.String({ minLength: 1, maxLength: 1024 }) }),
  ],
  { additionalProperties: false },
);
type GroupMembershipInput = Static<typeof GroupMembershipInput>;

export const GroupMembershipOutput = Type.Object({
  group_dn: Type.String(),
  user_dn: Type.String(),
  /** The membership attributes this call changed; empty when the user already was (not) a member. */
  changed: Type.Array(Type.String()),
});

/** Where each kind of group names its members: a DN, or the member's login name (posixGroup). */
const MEMBER_ATTRIBUTES = lookupTable<{ attribute: string; by: 'dn' | 'uid' }>({
  groupofnames: { attribute: 'member', by: 'dn' },
  groupofuniquenames: { attribute: 'uniqueMember', by: 'dn' },
  posixgroup: { attribute: 'memberUid', by: 'uid' },
  group: { attribute: 'member', by: 'dn' }, // Active Directory
});

interface Membership {
  attribute: string;
  value: string;
}

interface Subject {
  group: DirectoryEntry;
  user: DirectoryEntry;
  /** One per membership attribute the group's classes use (a posixGroup that is also a groupOfNames has two). */
  memberships: Membership[];
}

async function subject(directory: DirectorySession, input: GroupMembershipInput): Promise<Subject> {
  const user = await requireUser(directory, input.username, []);
  const group = await findGroup(directory, input.group, ['objectClass', 'cn']);
  if (!group)
    throw new ActionError('not_found', `no group ${input.group} in the directory`, { retryable: false });
  const memberships = new Map<string, Membership>();
  for (const objectClass of group.values('objectClass')) {
    const kind = MEMBER_ATTRIBUTES[objectClass.toLowerCase()];
    if (!kind) continue;
    const value = kind.by === 'dn' ? user.dn : usernameOf(user);
    if (value) memberships.set(kind.attribute, { attribute: kind.attribute, value });
  }
  if (memberships.size === 0)
    throw new ActionError(
      'unsupported',
      `${group.dn} is not a groupOfNames, groupOfUniqueNames, posixGroup or Active Directory group`,
      { retryable: false },
    );
  return { group, user, memberships: [...memberships.values()] };
}

/** Asked of the server, so its matching rules decide (DN case and spacing, uniqueMember's `#'…'B`). */
async function holds(directory: DirectorySession, groupDn: string, m: Membership): Promise<boolean> {
  const filter = fillFilter(`(${m.attribute}={value})`, 'value', m.value);
  const found = await directory.search(groupDn, { scope: 'base', filter, attributes: ['1.1'] });
  return found.length > 0;
}

async function held(directory: DirectorySession, s: Subject): Promise<Membership[]> {
  const results = await Promise.all(s.memberships.map((m) => holds(directory, s.group.dn, m)));
  return s.memberships.filter((_, i) => results[i]);
}

/**
 * Adds or removes the user in every membership attribute the group uses, one modify each so a
 * retry skips what is done, then checks with the server that the membership really changed: a
 * stored value the delete did not match (another spelling of the DN) must not pass as removed.
 */
function changeMembership(operation: 'add' | 'delete') {
  return (input: GroupMembershipInput, context: IntegrationContext) =>
    withDirectory(context.fields, context.signal, async (directory) => {
      const s = await subject(directory, input);
      const changed: string[] = [];
      for (const m of s.memberships)
        if (await directory.modify(s.group.dn, { operation, attribute: m.attribute, values: [m.value] }))
          changed.push(m.attribute);
      const left = await held(directory, s);
      const wrong = operation === 'add' ? s.memberships.filter((m) => !left.includes(m)) : left;
      if (wrong.length > 0)
        throw new ActionError(
          'directory_error',
          `${s.user.dn} is ${operation === 'add' ? 'still not' : 'still'} a member of ${s.group.dn} ` +
            `(${wrong.map((m) => m.attribute).join(', ')}) after the change`,
          { retryable: false },
        );
      return { group_dn: s.group.dn, user_dn: s.user.dn, changed };
    });
}

function alreadyMember(wanted: boolean) {
  return (input: GroupMembershipInput, context: IntegrationContext) =>
    withDirectory(context.fields, context.signal, async (directory) => {
      const s = await subject(directory, input);
      const count = (await held(directory, s)).length;
      return wanted ? count === s.memberships.length : count === 0;
    });
}

export const removeFromGroup = defineAction({
  name: 'remove_from_group',
  title: 'Remove a user from a group',
  description:
    'Removes the user from a groupOfNames (member), groupOfUniqueNames (uniqueMember), posixGroup (memberUid) ' +
    'or Active Directory group (member). A groupOfNames or groupOfUniqueNames cannot lose its last member.',
  effect: 'write',
  input: GroupMembershipInput,
  output: GroupMembershipOutput,
  inverse: 'add_to_group',
  inverseInput: (input, output) => ({ username: input.username, group: output.group_dn }),
  target: userTarget,
  timeoutMs: 30_000,
  alreadyApplied: alreadyMember(false),
  run: changeMembership('delete'),
});

export const addToGroup = defineAction({
  name: 'add_to_group',
  title: 'Add a user to a group',
  description:
    'Adds the user to a groupOfNames (member), groupOfUniqueNames (uniqueMember), posixGroup (memberUid) ' +
    'or Active Directory group (member); the inverse of remove_from_group.',
  effect: 'write',
  input: GroupMembershipInput,
  output: GroupMembershipOutput,
  inverse: 'remove_from_group',
  inverseInput: (input, output) => ({ username: input.username, group: output.group_dn }),
  target: userTarget,
  timeoutMs: 30_000,
  alreadyApplied: alreadyMember(true),
  run: changeMembership('add'),
});
