import { ActionError } from '../../core/action.ts';
import { imapSettings } from './imap-settings.ts';
import { forEachMailbox } from './mailbox-session.ts';

/**
 * Reading a mailbox people report to (phishing@…): the messages Riposte has not taken yet, oldest
 * first. A message is marked taken — a keyword, and \Seen for the people who also read the
 * mailbox — only after `take` says it is stored, so a crash in between reads it again next time
 * (ingest's dedup counts it rather than storing it twice). The mailbox is otherwise left as it is.
 */
export const TAKEN_KEYWORD = '$RiposteIngested';

export interface MailboxReadOptions {
  /** The mailbox (account) to read, one of the instance's `mailboxes`; unset: the instance's own login. */
  account?: string;
  folder: string;
  /** Messages taken per read; the rest wait for the next one. */
  limit: number;
  /** Larger messages are marked taken without being read (and counted as too large). */
  maxBytes: number;
}

export interface MailboxReadResult {
  /** Messages handed to `take`. */
  taken: number;
  /** Messages marked taken without being read because of their size. */
  tooLarge: number;
  /** More messages wait than this read took. */
  more: boolean;
}

export async function readNewMessages(
  fields: Readonly<Record<string, string>>,
  options: MailboxReadOptions,
  take: (raw: string) => Promise<void>,
  signal: AbortSignal,
): Promise<MailboxReadResult> {
  const settings = imapSettings(fields);
  if (!options.account && settings.mailboxes.length > 1)
    throw new ActionError(
      'invalid_configuration',
      `the imap instance covers ${settings.mailboxes.length} mailboxes: name the one to read (account)`,
      { retryable: false },
    );
  const [result] = await forEachMailbox(
    fields,
    signal,
    options.account ? [options.account] : undefined,
    async (session) => {
      const uids = await session.withoutKeyword(options.folder, TAKEN_KEYWORD);
      if (uids === null)
        throw new ActionError('not_found', `imap: ${session.mailbox} has no folder ${options.folder}`, {
          retryable: false,
        });
      const counts: MailboxReadResult = { taken: 0, tooLarge: 0, more: uids.length > options.limit };
      for (const uid of uids.slice(0, options.limit)) {
        const message = await session.source(options.folder, uid, options.maxBytes);
        if (message === null) continue; // expunged meanwhile
        if (message.raw === null) counts.tooLarge++;
        else {
          await take(message.raw.toString('utf8'));
          counts.taken++;
        }
        const marked = await session.setKeywords(options.folder, [uid], [TAKEN_KEYWORD, '\\Seen'], true);
        if (!marked)
          throw new ActionError(
            'unsupported',
            `imap: folder ${options.folder} of ${session.mailbox} takes no new keywords, so Riposte cannot mark what it read`,
            { retryable: false },
          );
      }
      return counts;
    },
  );
  return result ?? { taken: 0, tooLarge: 0, more: false };
}
