import { Type } from '@sinclair/typebox';
import { defineAction } from '../sdk/integration.ts';
import { forEachMailbox } from './mailbox-session.ts';
import { copiesIn, MailboxesInput, MessageIdInput, MessageLocation } from './message-copies.ts';
import { canonicalMessageId } from './message-id.ts';

export const FindMessageInput = Type.Object(
  { message_id: MessageIdInput, mailboxes: MailboxesInput },
  { additionalProperties: false },
);

export const FindMessageOutput = Type.Object({
  message_id: Type.String(),
  found: Type.Boolean(),
  /** Every copy, in the folders in scope and in the quarantine folder (`quarantined: true`). */
  locations: Type.Array(Type.Intersect([MessageLocation, Type.Object({ quarantined: Type.Boolean() })])),
});

export const findMessage = defineAction({
  name: 'find_message',
  title: 'Find an email message',
  description:
    'Looks for a message by its Message-ID header in every mailbox the instance covers (its folders in scope and the ' +
    'quarantine folder) and lists where it is: mailbox, folder and UID.',
  effect: 'read',
  input: FindMessageInput,
  output: FindMessageOutput,
  timeoutMs: 120_000,
  run: async (input, context) => {
    const messageId = canonicalMessageId(input.message_id);
    const perMailbox = await forEachMailbox(context.fields, context.signal, input.mailboxes, (s) =>
      copiesIn(s, messageId),
    );
    const locations = perMailbox.flatMap((c) => [
      ...c.inScope.flatMap(({ folder, copies }) =>
        copies.map((copy) => ({ mailbox: c.mailbox, folder, uid: copy.uid, quarantined: false })),
      ),
      ...c.inQuarantine.map((copy) => ({
        mailbox: c.mailbox,
        folder: c.quarantineFolder,
        uid: copy.uid,
        quarantined: true,
      })),
    ]);
    return { message_id: messageId, found: locations.length > 0, locations };
  },
});
