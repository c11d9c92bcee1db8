import { Type } from '@sinclair/typebox';
import { defineAction, type IntegrationContext } from '../sdk/integration.ts';
import {
  canonicalMessageId,
  InternetMessageIdInput,
  MailboxesInput,
  mailboxPath,
  messageTarget,
} from './internet-message-id.ts';
import { graphRequest } from './graph-request.ts';
import { copiesAcross, itemGone, MAILBOX_CONCURRENCY, type MessageCopy } from './message-copies.ts';
import { mapConcurrently } from './map-concurrently.ts';

export const DELETE_MODES = ['soft', 'hard'] as const;
export type DeleteMode = (typeof DELETE_MODES)[number];

export const DeleteMessageInput = Type.Object(
  {
    internetMessageId: InternetMessageIdInput,
    mailboxes: MailboxesInput,
    /**
     * `soft` (default): `DELETE /messages/{id}`, into the mailbox's Recoverable Items, out of the user's
     * folders; an administrator (or the user, "Recover deleted items") can still restore it until the
     * retention period ends. `hard`: `POST …/permanentDelete`, into Purges; no user can get it back.
     */
    mode: Type.Optional(Type.Union(DELETE_MODES.map((m) => Type.Literal(m)))),
  },
  { additionalProperties: false },
);

export const DeleteMessageOutput = Type.Object({
  internetMessageId: Type.String(),
  mode: Type.Union(DELETE_MODES.map((m) => Type.Literal(m))),
  /** False when no mailbox held the message: nothing was done. */
  found: Type.Boolean(),
  deleted: Type.Array(
    Type.Object({ mailbox: Type.String(), messageId: Type.String(), folderId: Type.String() }),
  ),
});

/** True when it went; false when the id was already gone. */
async function remove(context: IntegrationContext, copy: MessageCopy, mode: DeleteMode): Promise<boolean> {
  const path = `${mailboxPath(copy.mailbox)}/messages/${encodeURIComponent(copy.messageId)}`;
  const response = await graphRequest(
    context,
    mode === 'hard'
      ? { method: 'POST', path: `${path}/permanentDelete`, accept: [404] }
      : { method: 'DELETE', path, accept: [404] },
  );
  return response.status === 404 ? itemGone(response, copy.mailbox) !== null : true;
}

export const deleteMessage = defineAction({
  name: 'delete_message',
  title: 'Delete an email message',
  description:
    'Deletes every copy of a message (found by its Internet Message-ID) in the given mailboxes, in any folder ' +
    'including quarantine: soft (Recoverable Items) by default, or hard (permanentDelete). No inverse.',
  effect: 'destructive',
  react: 'RA4201',
  input: DeleteMessageInput,
  output: DeleteMessageOutput,
  timeoutMs: 300_000,
  target: (input) => messageTarget(input.internetMessageId),
  alreadyApplied: async (input, context) =>
    (await copiesAcross(context, input.mailboxes, canonicalMessageId(input.internetMessageId))).length === 0,
  run: async (input, context) => {
    const internetMessageId = canonicalMessageId(input.internetMessageId);
    const mode = input.mode ?? 'soft';
    const copies = await copiesAcross(context, input.mailboxes, internetMessageId);
    const gone = await mapConcurrently(copies, MAILBOX_CONCURRENCY, (copy) => remove(context, copy, mode));
    const deleted = copies
      .filter((_, i) => gone[i])
      .map((c) => ({ mailbox: c.mailbox, messageId: c.messageId, folderId: c.folderId }));
    return { internetMessageId, mode, found: copies.length > 0, deleted };
  },
});
