import { type Static, Type } from '@sinclair/typebox';
import { defineAction } from '../sdk/integration.ts';
import { imapSettings } from './imap-settings.ts';
import { forEachMailbox, type MailboxSession } from './mailbox-session.ts';
import { copiesIn, MailboxesInput, MessageIdInput, outsideQuarantine } from './message-copies.ts';
import { canonicalMessageId, messageTarget, originFolder, originKeyword } from './message-id.ts';

export const QuarantineMessageInput = Type.Object(
  { message_id: MessageIdInput, mailboxes: MailboxesInput },
  { additionalProperties: false },
);

const Moved = Type.Object({
  mailbox: Type.String(),
  /** Where the copy was. */
  folder: Type.String(),
  uid: Type.Integer(),
  /** Its UID in the quarantine folder (UIDPLUS COPYUID); null when the server did not say. */
  quarantine_uid: Type.Union([Type.Integer(), Type.Null()]),
});

export const QuarantineMessageOutput = Type.Object({
  message_id: Type.String(),
  /** False when no mailbox holds the message, in scope or in quarantine: nothing was done. */
  found: Type.Boolean(),
  quarantine_folder: Type.String(),
  moved: Type.Array(Moved),
  /** Copies found already in quarantine (an earlier attempt, or someone else), with the folder they came from when known. */
  already_quarantined: Type.Array(
    Type.Object({
      mailbox: Type.String(),
      quarantine_uid: Type.Integer(),
      folder: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});
type QuarantineMessageOutput = Static<typeof QuarantineMessageOutput>;

async function quarantineIn(session: MailboxSession, messageId: string) {
  const { mailbox, settings } = session;
  const copies = await copiesIn(session, messageId);
  const moved: QuarantineMessageOutput['moved'] = [];
  if (copies.inScope.length > 0) await session.ensureFolder(settings.quarantineFolder);
  for (const { folder, copies: found } of copies.inScope) {
    const uids = found.map((c) => c.uid);
    // Best effort: servers that take no new keywords still quarantine, the output keeps the origin.
    await session.setKeywords(folder, uids, [originKeyword(folder)], true);
    const uidMap = await session.move(folder, uids, settings.quarantineFolder);
    moved.push(...uids.map((uid) => ({ mailbox, folder, uid, quarantine_uid: uidMap.get(uid) ?? null })));
  }
  const folders = copies.inQuarantine.length > 0 ? await session.allFolders() : [];
  const alreadyQuarantined = copies.inQuarantine
    // The ones just moved are not "already" there; a retry may see them again by UID.
    .filter((c) => !moved.some((m) => m.quarantine_uid === c.uid))
    .map((c) => ({ mailbox, quarantine_uid: c.uid, folder: originFolder(c.flags, folders) }));
  return { moved, alreadyQuarantined };
}

export const quarantineMessage = defineAction({
  name: 'quarantine_message',
  title: 'Quarantine an email message',
  description:
    'Moves a message, found by its Message-ID, out of every mailbox the instance covers into each mailbox’s quarantine ' +
    'folder (created when missing), with IMAP MOVE. The output records where each copy was, so release_message can put it back.',
  effect: 'destructive',
  react: 'RA3203',
  input: QuarantineMessageInput,
  output: QuarantineMessageOutput,
  inverse: 'release_message',
  timeoutMs: 300_000,
  target: (input) => messageTarget(input.message_id),
  inverseInput: (input, output) => ({
    message_id: output.message_id,
    restore: [
      ...output.moved.map((m) => ({
        mailbox: m.mailbox,
        folder: m.folder,
        quarantine_uid: m.quarantine_uid,
      })),
      ...output.already_quarantined.map((a) => ({
        mailbox: a.mailbox,
        folder: a.folder ?? 'INBOX',
        quarantine_uid: a.quarantine_uid,
      })),
    ],
  }),
  alreadyApplied: async (input, context) => {
    const messageId = canonicalMessageId(input.message_id);
    const all = await forEachMailbox(context.fields, context.signal, input.mailboxes, (s) =>
      copiesIn(s, messageId),
    );
    return all.every((c) => outsideQuarantine(c) === 0) && all.some((c) => c.inQuarantine.length > 0);
  },
  run: async (input, context) => {
    const messageId = canonicalMessageId(input.message_id);
    const results = await forEachMailbox(context.fields, context.signal, input.mailboxes, (s) =>
      quarantineIn(s, messageId),
    );
    const moved = results.flatMap((r) => r.moved);
    const alreadyQuarantined = results.flatMap((r) => r.alreadyQuarantined);
    return {
      message_id: messageId,
      found: moved.length + alreadyQuarantined.length > 0,
      quarantine_folder: imapSettings(context.fields).quarantineFolder,
      moved,
      already_quarantined: alreadyQuarantined,
    };
  },
});
