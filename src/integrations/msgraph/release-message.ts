import { Type, type Static } from '@sinclair/typebox';
import { defineAction, type IntegrationContext } from '../sdk/integration.ts';
import {
  canonicalMessageId,
  InternetMessageIdInput,
  MailboxInput,
  messageTarget,
} from './internet-message-id.ts';
import { MAILBOX_CONCURRENCY, messageFolder, moveMessage } from './message-copies.ts';
import { mapConcurrently } from './map-concurrently.ts';

const GraphId = Type.String({ minLength: 1, maxLength: 512 });

export const ReleaseMessageInput = Type.Object(
  {
    internetMessageId: InternetMessageIdInput,
    /** What quarantine_message recorded: each copy's quarantine id and the folder it came from. */
    messages: Type.Array(
      Type.Object(
        {
          mailbox: MailboxInput,
          messageId: GraphId,
          /** A folder id, or a well-known folder name (`inbox`). */
          folderId: GraphId,
        },
        { additionalProperties: false },
      ),
      { maxItems: 5000 },
    ),
  },
  { additionalProperties: false },
);
type ReleaseMessageInput = Static<typeof ReleaseMessageInput>;
type Entry = ReleaseMessageInput['messages'][number];

export const ReleaseMessageOutput = Type.Object({
  internetMessageId: Type.String(),
  restored: Type.Array(
    Type.Object({
      mailbox: Type.String(),
      /** The copy's new id (the move back gives it another one). */
      messageId: Type.String(),
      folderId: Type.String(),
      /** True when the original folder no longer exists and the copy went to the Inbox instead. */
      toInbox: Type.Boolean(),
    }),
  ),
  /** Copies whose quarantine id no longer exists (already released, or deleted): nothing to do. */
  missing: Type.Array(Type.Object({ mailbox: Type.String(), messageId: Type.String() })),
});
type ReleaseMessageOutput = Static<typeof ReleaseMessageOutput>;

type Outcome =
  | { kind: 'restored'; value: ReleaseMessageOutput['restored'][number] }
  | { kind: 'missing'; value: ReleaseMessageOutput['missing'][number] };

async function release(context: IntegrationContext, entry: Entry): Promise<Outcome> {
  const { mailbox, messageId } = entry;
  const back = await moveMessage(context, mailbox, messageId, entry.folderId);
  if (back) return { kind: 'restored', value: { mailbox, ...back, toInbox: false } };
  // ErrorItemNotFound names neither side: if the copy is still there, its old folder is what is gone.
  if ((await messageFolder(context, mailbox, messageId)) === null)
    return { kind: 'missing', value: { mailbox, messageId } };
  const inbox = await moveMessage(context, mailbox, messageId, 'inbox');
  if (!inbox) return { kind: 'missing', value: { mailbox, messageId } };
  return { kind: 'restored', value: { mailbox, ...inbox, toInbox: true } };
}

export const releaseMessage = defineAction({
  name: 'release_message',
  title: 'Release a quarantined email message',
  description:
    'Moves quarantined copies back to the folders they came from (the Inbox when that folder no longer exists), ' +
    'from the ids quarantine_message recorded.',
  effect: 'write',
  react: 'RA5203',
  input: ReleaseMessageInput,
  output: ReleaseMessageOutput,
  inverse: 'quarantine_message',
  timeoutMs: 300_000,
  target: (input) => messageTarget(input.internetMessageId),
  inverseInput: (input) => ({
    internetMessageId: input.internetMessageId,
    mailboxes: [...new Set(input.messages.map((m) => m.mailbox))],
  }),
  // Applied when no recorded copy is still waiting outside its destination (a move changes the id, so
  // a released copy's quarantine id is gone).
  alreadyApplied: async (input, context) => {
    const folders = await mapConcurrently(input.messages, MAILBOX_CONCURRENCY, (m) =>
      messageFolder(context, m.mailbox, m.messageId),
    );
    return folders.every((folder, i) => folder === null || folder === input.messages[i]!.folderId);
  },
  run: async (input, context) => {
    const outcomes = await mapConcurrently(input.messages, MAILBOX_CONCURRENCY, (entry) =>
      release(context, entry),
    );
    return {
      internetMessageId: canonicalMessageId(input.internetMessageId),
      restored: outcomes.flatMap((o) => (o.kind === 'restored' ? [o.value] : [])),
      missing: outcomes.flatMap((o) => (o.kind === 'missing' ? [o.value] : [])),
    };
  },
});
