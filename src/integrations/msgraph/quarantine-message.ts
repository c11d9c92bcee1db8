import { Type, type Static } from '@sinclair/typebox';
import { defineAction, type IntegrationContext } from '../sdk/integration.ts';
import {
  canonicalMessageId,
  InternetMessageIdInput,
  MailboxesInput,
  messageTarget,
} from './internet-message-id.ts';
import { copiesAcross, MAILBOX_CONCURRENCY, moveMessage, type MessageCopy } from './message-copies.ts';
import { mapConcurrently } from './map-concurrently.ts';
import { findFolder, findOrCreateFolder, quarantineFolderName } from './quarantine-folder.ts';

export const QuarantineMessageInput = Type.Object(
  { internetMessageId: InternetMessageIdInput, mailboxes: MailboxesInput },
  { additionalProperties: false },
);
type QuarantineMessageInput = Static<typeof QuarantineMessageInput>;

const Moved = Type.Object({
  mailbox: Type.String(),
  /** The copy's id in the quarantine folder (a move gives it a new one). */
  messageId: Type.String(),
  folderId: Type.String(),
  originalMessageId: Type.String(),
  /** Where it was: release_message puts it back there. */
  originalFolderId: Type.String(),
});

export const QuarantineMessageOutput = Type.Object({
  internetMessageId: Type.String(),
  /** False when no mailbox holds the message: nothing was done. */
  found: Type.Boolean(),
  quarantineFolder: Type.String(),
  moved: Type.Array(Moved),
  /** Copies already in the quarantine folder (an earlier attempt, or someone else); their origin is unknown. */
  alreadyQuarantined: Type.Array(
    Type.Object({ mailbox: Type.String(), messageId: Type.String(), folderId: Type.String() }),
  ),
});
type QuarantineMessageOutput = Static<typeof QuarantineMessageOutput>;

/** Where a released copy of unknown origin goes. */
const FALLBACK_FOLDER = 'inbox';

async function quarantineIn(
  context: IntegrationContext,
  mailbox: string,
  copies: MessageCopy[],
  folderName: string,
): Promise<Pick<QuarantineMessageOutput, 'moved' | 'alreadyQuarantined'>> {
  const folderId = await findOrCreateFolder(context, mailbox, folderName);
  const moved: QuarantineMessageOutput['moved'] = [];
  const alreadyQuarantined: QuarantineMessageOutput['alreadyQuarantined'] = [];
  for (const copy of copies) {
    if (copy.folderId === folderId) {
      alreadyQuarantined.push({ mailbox, messageId: copy.messageId, folderId });
      continue;
    }
    const result = await moveMessage(context, mailbox, copy.messageId, folderId);
    // Gone between search and move (the user deleted it): nothing left to quarantine.
    if (!result) continue;
    moved.push({
      mailbox,
      messageId: result.messageId,
      folderId: result.folderId,
      originalMessageId: copy.messageId,
      originalFolderId: copy.folderId,
    });
  }
  return { moved, alreadyQuarantined };
}

const byMailbox = (copies: MessageCopy[]) => {
  const groups = new Map<string, MessageCopy[]>();
  for (const copy of copies) groups.set(copy.mailbox, [...(groups.get(copy.mailbox) ?? []), copy]);
  return [...groups];
};

async function alreadyQuarantined(
  input: QuarantineMessageInput,
  context: IntegrationContext,
): Promise<boolean> {
  const copies = await copiesAcross(context, input.mailboxes, canonicalMessageId(input.internetMessageId));
  if (copies.length === 0) return false;
  const folderName = quarantineFolderName(context);
  const checks = await mapConcurrently(byMailbox(copies), MAILBOX_CONCURRENCY, async ([mailbox, found]) => {
    const folderId = await findFolder(context, mailbox, folderName);
    return folderId !== null && found.every((c) => c.folderId === folderId);
  });
  return checks.every(Boolean);
}

export const quarantineMessage = defineAction({
  name: 'quarantine_message',
  title: 'Quarantine an email message',
  description:
    'Moves every copy of a message (found by its Internet Message-ID) in the given mailboxes into each mailbox’s ' +
    'quarantine folder (the instance’s quarantine_folder, created under the mailbox root when missing). The output ' +
    'records each copy’s original folder and its new id, for release_message.',
  effect: 'destructive',
  react: 'RA3203',
  input: QuarantineMessageInput,
  output: QuarantineMessageOutput,
  inverse: 'release_message',
  timeoutMs: 300_000,
  target: (input) => messageTarget(input.internetMessageId),
  inverseInput: (_input, output) => ({
    internetMessageId: output.internetMessageId,
    messages: [
      ...output.moved.map((m) => ({
        mailbox: m.mailbox,
        messageId: m.messageId,
        folderId: m.originalFolderId,
      })),
      ...output.alreadyQuarantined.map((a) => ({
        mailbox: a.mailbox,
        messageId: a.messageId,
        folderId: FALLBACK_FOLDER,
      })),
    ],
  }),
  alreadyApplied: alreadyQuarantined,
  run: async (input, context) => {
    const internetMessageId = canonicalMessageId(input.internetMessageId);
    const folderName = quarantineFolderName(context);
    // Every mailbox is searched before anything moves: an unknown mailbox fails the step with nothing changed.
    const copies = await copiesAcross(context, input.mailboxes, internetMessageId);
    const results = await mapConcurrently(byMailbox(copies), MAILBOX_CONCURRENCY, ([mailbox, found]) =>
      quarantineIn(context, mailbox, found, folderName),
    );
    const moved = results.flatMap((r) => r.moved);
    const already = results.flatMap((r) => r.alreadyQuarantined);
    return {
      internetMessageId,
      found: moved.length + already.length > 0,
      quarantineFolder: folderName,
      moved,
      alreadyQuarantined: already,
    };
  },
});
