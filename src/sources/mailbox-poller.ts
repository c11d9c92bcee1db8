import type { Actor } from '../audit/audit-log.ts';
import { nowMs } from '../core/clock.ts';
import { RiposteError } from '../core/riposte-error.ts';
import type { IngestService } from '../ingest/ingest-service.ts';
import { limitWait } from '../ingest/source-alert-limit.ts';
import { mailboxOptions, type MailboxOptions } from './mailbox-options.ts';
import type { Source, SourceService } from './source-service.ts';

/** Reads the messages of a mailbox not taken yet, handing each to `take` (the imap integration does it). */
export type MailboxRead = (
  mailbox: MailboxOptions,
  take: (raw: string) => Promise<void>,
) => Promise<{ taken: number; tooLarge: number; more: boolean }>;

export interface MailboxPoll {
  source: string;
  /** New alerts stored. */
  stored: number;
  /** Messages that were already stored (read again after a crash, or reported twice). */
  duplicates: number;
  /** Messages that are not e-mails Riposte can read; marked taken all the same. */
  rejected: number;
  tooLarge: number;
  /**
   * The source had sent its alert limit: the message that would go over stays unmarked in the
   * mailbox, and the next poll comes after this many seconds; null when it had not.
   */
  limitedForSeconds: number | null;
}

export interface MailboxPollerOptions {
  sources: SourceService;
  ingest: IngestService;
  read: MailboxRead;
  onError: (error: unknown, message: string) => void;
}

/**
 * E-mail sources that read a mailbox (`options.mailbox`): each is polled every `every_seconds` by
 * the worker's clock, and each message becomes an alert exactly as if it had been posted to the
 * source's ingest endpoint. A poll that left messages waiting (more than one read takes) runs again
 * on the next tick.
 */
export class MailboxPoller {
  readonly #options: MailboxPollerOptions;
  readonly #due = new Map<string, number>();
  readonly #running = new Set<string>();

  constructor(options: MailboxPollerOptions) {
    this.#options = options;
  }

  /** Polls every mailbox source whose time has come; one poll per source at a time. */
  async pollDue(now = nowMs()): Promise<MailboxPoll[]> {
    const polls: MailboxPoll[] = [];
    for (const source of await this.#options.sources.list()) {
      const mailbox = source.format === 'email' ? safeOptions(source) : null;
      if (!mailbox || this.#running.has(source.name) || (this.#due.get(source.name) ?? 0) > now) continue;
      this.#running.add(source.name);
      try {
        const { poll, more } = await this.#poll(source, mailbox);
        polls.push(poll);
        this.#due.set(
          source.name,
          poll.limitedForSeconds !== null
            ? now + poll.limitedForSeconds * 1000
            : more
              ? now
              : now + mailbox.everySeconds * 1000,
        );
      } catch (error) {
        this.#due.set(source.name, now + mailbox.everySeconds * 1000);
        this.#options.onError(error, `reading the mailbox of source ${source.name} failed; retrying later`);
      } finally {
        this.#running.delete(source.name);
      }
    }
    return polls;
  }

  async #poll(source: Source, mailbox: MailboxOptions): Promise<{ poll: MailboxPoll; more: boolean }> {
    const actor: Actor = { id: `mailbox:${source.name}`, type: 'source' };
    const poll: MailboxPoll = {
      source: source.name,
      stored: 0,
      duplicates: 0,
      rejected: 0,
      tooLarge: 0,
      limitedForSeconds: null,
    };
    const read = await this.#options
      .read(mailbox, async (raw) => {
        try {
          const result = await this.#options.ingest.ingest(source, raw, 'message/rfc822', actor);
          poll.stored += result.accepted;
          poll.duplicates += result.duplicates;
        } catch (error) {
          // A message that is not an e-mail stays unreadable: it is taken (not read again) and reported.
          if (!(error instanceof RiposteError) || error.code !== 'no_valid_records') throw error;
          poll.rejected++;
          this.#options.onError(error, `a message in the mailbox of source ${source.name} is not an e-mail`);
        }
      })
      .catch((error: unknown) => {
        // Over the source's alert limit: the message stays unmarked; read again once it may be stored.
        const wait = limitWait(error);
        if (wait === undefined) throw error;
        poll.limitedForSeconds = wait;
        return { taken: 0, tooLarge: 0, more: false };
      });
    poll.tooLarge = read.tooLarge;
    return { poll, more: read.more };
  }
}

function safeOptions(source: Source): MailboxOptions | null {
  try {
    return mailboxOptions(source.options);
  } catch {
    return null; // checked when the source was created; a hand-edited row is not polled
  }
}
