import { Type } from '@sinclair/typebox';
import { defineAction } from '../sdk/integration.ts';
import { canonicalMessageId, InternetMessageIdInput, MailboxesInput } from './internet-message-id.ts';
import { copiesAcross, MessageCopy } from './message-copies.ts';

export const SearchMessagesInput = Type.Object(
  {
    internetMessageId: InternetMessageIdInput,
    mailboxes: MailboxesInput,
    /** Narrow the matches to this sender address (case-insensitive), in case a Message-ID was reused. */
    sender: Type.Optional(Type.String({ minLength: 3, maxLength: 320 })),
    /** Narrow the matches to subjects containing this text (case-insensitive). */
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  },
  { additionalProperties: false },
);

export const SearchMessagesOutput = Type.Object({
  internetMessageId: Type.String(),
  found: Type.Boolean(),
  messages: Type.Array(MessageCopy),
  /** Mailboxes Graph does not know (404): skipped, with Graph's reason. */
  unavailable: Type.Array(Type.Object({ mailbox: Type.String(), reason: Type.String() })),
});

export const searchMessages = defineAction({
  name: 'search_messages',
  title: 'Find an email message in mailboxes',
  description:
    'Finds every copy of a message by its Internet Message-ID in the given mailboxes (any folder), optionally ' +
    'narrowed by sender and subject: who else received it, and where it is now.',
  effect: 'read',
  react: 'RA2203',
  input: SearchMessagesInput,
  output: SearchMessagesOutput,
  timeoutMs: 300_000,
  run: async (input, context) => {
    const internetMessageId = canonicalMessageId(input.internetMessageId);
    const unavailable: { mailbox: string; reason: string }[] = [];
    const copies = await copiesAcross(context, input.mailboxes, internetMessageId, (mailbox, error) =>
      unavailable.push({ mailbox, reason: error.message }),
    );
    const sender = input.sender?.toLowerCase();
    const subject = input.subject?.toLowerCase();
    const messages = copies.filter(
      (c) =>
        (sender === undefined || c.from?.toLowerCase() === sender) &&
        (subject === undefined || (c.subject ?? '').toLowerCase().includes(subject)),
    );
    return { internetMessageId, found: messages.length > 0, messages, unavailable };
  },
});
