import { type Static, Type } from '@sinclair/typebox';
import type { FoundCopy, MailboxSession } from './mailbox-session.ts';

/** Where the message is in one mailbox: the folders in scope, and the quarantine folder. */
export interface MessageCopies {
  mailbox: string;
  quarantineFolder: string;
  inScope: { folder: string; copies: FoundCopy[] }[];
  inQuarantine: FoundCopy[];
}

export async function copiesIn(session: MailboxSession, messageId: string): Promise<MessageCopies> {
  const inScope = [];
  for (const folder of await session.scopeFolders()) {
    const copies = await session.locate(folder, messageId);
    if (copies.length > 0) inScope.push({ folder, copies });
  }
  const inQuarantine = await session.locate(session.settings.quarantineFolder, messageId);
  return {
    mailbox: session.mailbox,
    quarantineFolder: session.settings.quarantineFolder,
    inScope,
    inQuarantine,
  };
}

export const outsideQuarantine = (c: MessageCopies) => c.inScope.reduce((n, f) => n + f.copies.length, 0);

export const MessageIdInput = Type.String({
  minLength: 3,
  maxLength: 998,
  description: 'The Message-ID header, with or without the angle brackets.',
});

/** Optionally narrows an action to some of the instance's mailboxes. */
export const MailboxesInput = Type.Optional(
  Type.Array(Type.String({ minLength: 1, maxLength: 320 }), { maxItems: 10_000 }),
);

export const MessageLocation = Type.Object({
  mailbox: Type.String(),
  folder: Type.String(),
  uid: Type.Integer(),
});
export type MessageLocation = Static<typeof MessageLocation>;
