import { type Static, Type } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import type { ActionTarget, IntegrationContext } from '../sdk/integration.ts';
import { ACCOUNT_STATUS_ATTRIBUTES, ACCOUNT_STATUSES, accountStatus } from './account-status.ts';
import type { DirectoryEntry } from './directory-entry.ts';
import { type DirectoryChange, type DirectorySession, withDirectory } from './directory-session.ts';
import { findUser, Nullable } from './lookup-user.ts';

/** What the response actions share: the user they act on, found by the instance's user filter. */
export const AccountInput = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
export type AccountInput = Static<typeof AccountInput>;

/** The account after the change, read back from the directory. */
export const AccountStateOutput = Type.Object({
  dn: Type.String(),
  account_status: Type.Union(ACCOUNT_STATUSES.map((s) => Type.Literal(s))),
  account_status_reason: Nullable(Type.String()),
});
export type AccountStateOutput = Static<typeof AccountStateOutput>;

export const userTarget = (input: { username: string }): ActionTarget => ({
  type: 'user',
  value: input.username,
});

/** The user's entry with `attributes`; a username that names nobody fails now, without retries. */
export async function requireUser(
  directory: DirectorySession,
  username: string,
  attributes: string[],
): Promise<DirectoryEntry> {
  const entry = await findUser(directory, { username }, ['uid', 'sAMAccountName', ...attributes]);
  if (!entry)
    throw new ActionError(
      'not_found',
      `no user ${username} in the directory (${directory.settings.userFilter} under ${directory.settings.baseDn})`,
      { retryable: false },
    );
  return entry;
}

/** The account's status as the lookups report it, read again after a change. */
export async function accountState(directory: DirectorySession, dn: string): Promise<AccountStateOutput> {
  const entry = await directory.read(dn, ACCOUNT_STATUS_ATTRIBUTES);
  if (!entry)
    throw new ActionError('not_found', `${dn} disappeared while it was being changed`, { retryable: false });
  const { status, reason } = accountStatus(entry, new Date());
  return { dn, account_status: status, account_status_reason: reason };
}

/** Check before act: whether the user's entry, read with `attributes`, is already in the state. */
export function userAlready<I extends AccountInput>(
  attributes: string[],
  applied: (entry: DirectoryEntry, now: Date, input: I) => boolean,
) {
  return (input: I, context: IntegrationContext): Promise<boolean> =>
    withDirectory(context.fields, context.signal, async (directory) =>
      applied(await requireUser(directory, input.username, attributes), new Date(), input),
    );
}

/**
 * Applies the change `decide` picks from the user's entry (none: nothing to do) and reads the
 * account's status back, so the step's output shows the state the directory is really in.
 */
export function changeAccount<I extends AccountInput>(
  attributes: string[],
  decide: (entry: DirectoryEntry, now: Date, input: I) => DirectoryChange | null,
) {
  return (input: I, context: IntegrationContext): Promise<AccountStateOutput> =>
    withDirectory(context.fields, context.signal, async (directory) => {
      const entry = await requireUser(directory, input.username, attributes);
      const change = decide(entry, new Date(), input);
      if (change) await directory.modify(entry.dn, change);
      return accountState(directory, entry.dn);
    });
}
