import { type Static, Type } from '@sinclair/typebox';
import { defineAction } from '../sdk/integration.ts';
import { type FoundCopy, forEachMailbox, type MailboxSession } from './mailbox-session.ts';
import { MailboxesInput, MessageIdInput } from './message-copies.ts';
import { canonicalMessageId, isOriginKeyword, messageTarget, originFolder } from './message-id.ts';

const Restore = Type.Object(
  {
    mailbox: Type.String({ minLength: 1 }),
    folder: Type.String({ minLength: 1 }),
    /** The copy's UID in the quarantine folder, when known: it goes back to exactly this folder. */
    quarantine_uid: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  },
  { additionalProperties: false },
);
type Restore = Static<typeof Restore>;

export const ReleaseMessageInput = Type.Object(
  {
    message_id: MessageIdInput,
    /** Where the copies go back to (quarantine_message's output gives it); without it, to the folder each came from or INBOX. */
    restore: Type.Optional(Type.Array(Restore, { maxItems: 10_000 })),
    mailboxes: MailboxesInput,
  },
  { additionalProperties: false },
);
type ReleaseMessageInput = Static<typeof ReleaseMessageInput>;

export const ReleaseMessageOutput = Type.Object({
  message_id: Type.String(),
  /** False when no quarantine folder held the message: nothing was done. */
  found: Type.Boolean(),
  restored: Type.Array(
    Type.Object({
      mailbox: Type.String(),
      folder: Type.String(),
      /** The UID it has again outside quarantine; null when the server did not say. */
      uid: Type.Union([Type.Integer(), Type.Null()]),
      quarantine_uid: Type.Integer(),
    }),
  ),
});

/** The exact entry for this copy, else the keyword put on it at quarantine, else the mailbox's one entry, else INBOX. */
function destination(copy: FoundCopy, entries: Restore[], folders: string[]): string {
  return (
    entries.find((e) => e.quarantine_uid === copy.uid)?.folder ??
    originFolder(copy.flags, folders) ??
    entries[0]?.folder ??
    'INBOX'
  );
}

async function releaseIn(session: MailboxSession, messageId: string, entries: Restore[]) {
  const { mailbox, settings } = session;
  const quarantined = await session.locate(settings.quarantineFolder, messageId);
  if (quarantined.length === 0) return [];
  const folders = await session.allFolders();
  const byDestination = Map.groupBy(quarantined, (copy) => destination(copy, entries, folders));
  const restored = [];
  for (const [folder, copies] of byDestination) {
    if (!folders.includes(folder)) await session.ensureFolder(folder);
    const uids = copies.map((c) => c.uid);
    const keywords = [...new Set(copies.flatMap((c) => [...c.flags].filter(isOriginKeyword)))];
    if (keywords.length > 0) await session.setKeywords(settings.quarantineFolder, uids, keywords, false);
    const uidMap = await session.move(settings.quarantineFolder, uids, folder);
    restored.push(
      ...uids.map((uid) => ({ mailbox, folder, uid: uidMap.get(uid) ?? null, quarantine_uid: uid })),
    );
  }
  return restored;
}

/** The mailboxes named by the restore entries, else the input's, else all (undefined). */
function mailboxesOf(input: ReleaseMessageInput): string[] | undefined {
  if (input.restore && input.restore.length > 0) return [...new Set(input.restore.map((r) => r.mailbox))];
  return input.mailboxes;
}

export const releaseMessage = defineAction({
  name: 'release_message',
  title: 'Release a quarantined email message',
  description:
    'Moves a message, found by its Message-ID, out of the quarantine folder back to the folder it came from (from ' +
    'quarantine_message’s output, else the mark left on it at quarantine, else INBOX).',
  effect: 'write',
  react: 'RA5203',
  input: ReleaseMessageInput,
  output: ReleaseMessageOutput,
  inverse: 'quarantine_message',
  timeoutMs: 300_000,
  target: (input) => messageTarget(input.message_id),
  inverseInput: (_input, output) => ({
    message_id: output.message_id,
    mailboxes: [...new Set(output.restored.map((r) => r.mailbox))],
  }),
  alreadyApplied: async (input, context) => {
    const messageId = canonicalMessageId(input.message_id);
    const counts = await forEachMailbox(
      context.fields,
      context.signal,
      mailboxesOf(input),
      async (s) => (await s.locate(s.settings.quarantineFolder, messageId)).length,
    );
    return counts.every((n) => n === 0);
  },
  run: async (input, context) => {
    const messageId = canonicalMessageId(input.message_id);
    const restored = (
      await forEachMailbox(context.fields, context.signal, mailboxesOf(input), (s) =>
        releaseIn(
          s,
          messageId,
          (input.restore ?? []).filter((r) => r.mailbox === s.mailbox),
        ),
      )
    ).flat();
    return { message_id: messageId, found: restored.length > 0, restored };
  },
});
