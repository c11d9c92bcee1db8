import { Type } from '@sinclair/typebox';
import { defineAction } from '../sdk/integration.ts';
import { forEachMailbox, type MailboxSession } from './mailbox-session.ts';
import { copiesIn, MailboxesInput, MessageIdInput, MessageLocation } from './message-copies.ts';
import { canonicalMessageId, messageTarget } from './message-id.ts';

export const DeleteMessageInput = Type.Object(
  { message_id: MessageIdInput, mailboxes: MailboxesInput },
  { additionalProperties: false },
);

export const DeleteMessageOutput = Type.Object({
  message_id: Type.String(),
  /** False when no mailbox held the message: nothing was done. */
  found: Type.Boolean(),
  deleted: Type.Array(MessageLocation),
});

async function deleteIn(session: MailboxSession, messageId: string) {
  const copies = await copiesIn(session, messageId);
  const folders = [
    ...copies.inScope,
    ...(copies.inQuarantine.length > 0
      ? [{ folder: copies.quarantineFolder, copies: copies.inQuarantine }]
      : []),
  ];
  const deleted = [];
  for (const { folder, copies: found } of folders) {
    const uids = found.map((c) => c.uid);
    await session.remove(folder, uids);
    deleted.push(...uids.map((uid) => ({ mailbox: session.mailbox, folder, uid })));
  }
  return deleted;
}

export const deleteMessage = defineAction({
  name: 'delete_message',
  title: 'Delete an email message',
  description:
    'Deletes a message, found by its Message-ID, from every mailbox the instance covers: the folders in scope and the ' +
    'quarantine folder. Expunged at once (UID EXPUNGE of exactly those messages); it cannot be undone.',
  effect: 'destructive',
  react: 'RA4201',
  input: DeleteMessageInput,
  output: DeleteMessageOutput,
  timeoutMs: 300_000,
  target: (input) => messageTarget(input.message_id),
  alreadyApplied: async (input, context) => {
    const messageId = canonicalMessageId(input.message_id);
    const all = await forEachMailbox(context.fields, context.signal, input.mailboxes, (s) =>
      copiesIn(s, messageId),
    );
    return all.every((c) => c.inScope.length === 0 && c.inQuarantine.length === 0);
  },
  run: async (input, context) => {
    const messageId = canonicalMessageId(input.message_id);
    const deleted = (
      await forEachMailbox(context.fields, context.signal, input.mailboxes, (s) => deleteIn(s, messageId))
    ).flat();
    return { message_id: messageId, found: deleted.length > 0, deleted };
  },
});
