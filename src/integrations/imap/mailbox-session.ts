import { ImapFlow } from 'imapflow';
import { ActionError } from '../../core/action.ts';
import { imapError } from './imap-error.ts';
import { type ImapSettings, imapSettings, mailboxesIn } from './imap-settings.ts';
import { sameMessageId } from './message-id.ts';

/** One copy of a message in one folder. */
export interface FoundCopy {
  uid: number;
  flags: Set<string>;
}

/** A logged-in connection to one mailbox (account), for the length of one action. */
export interface MailboxSession {
  /** The account, as named in the instance's `mailboxes` (or the login itself). */
  mailbox: string;
  settings: ImapSettings;
  /** The folders in scope that exist, the quarantine folder excluded. */
  scopeFolders(): Promise<string[]>;
  /** Every selectable folder of the mailbox. */
  allFolders(): Promise<string[]>;
  /** The copies of the message in a folder; none when the folder does not exist. */
  locate(folder: string, messageId: string): Promise<FoundCopy[]>;
  /** UID MOVE (RFC 6851); returns source UID → destination UID (UIDPLUS COPYUID). */
  move(folder: string, uids: number[], destination: string): Promise<Map<number, number>>;
  /** Creates the folder unless it exists. */
  ensureFolder(folder: string): Promise<void>;
  /** Adds (or removes) keywords, where the folder allows new ones; false when it does not. */
  setKeywords(folder: string, uids: number[], keywords: string[], add: boolean): Promise<boolean>;
  /** \Deleted, then UID EXPUNGE of exactly those UIDs (UIDPLUS), never a plain EXPUNGE. */
  remove(folder: string, uids: number[]): Promise<void>;
  /** UIDs of the messages without this keyword, oldest first; null when the folder does not exist. */
  withoutKeyword(folder: string, keyword: string): Promise<number[] | null>;
  /** A message's size and raw source (RFC 822), the source only when it is at most `maxBytes`. */
  source(folder: string, uid: number, maxBytes: number): Promise<{ size: number; raw: Buffer | null } | null>;
}

const PARALLEL = 4;

function loginFor(
  settings: ImapSettings,
  mailbox: string,
): { user: string; authzid?: string; shown: string } {
  if (settings.mailboxes.length === 0) return { user: settings.username, shown: settings.username };
  if (settings.impersonation === 'authzid')
    return { user: settings.username, authzid: mailbox, shown: `${settings.username} for ${mailbox}` };
  const user = `${mailbox}${settings.separator}${settings.username}`;
  return { user, shown: user };
}

function client(settings: ImapSettings, mailbox: string): { imap: ImapFlow; shown: string } {
  const { user, authzid, shown } = loginFor(settings, mailbox);
  const imap = new ImapFlow({
    host: settings.host,
    port: settings.port,
    secure: settings.tls,
    ...(settings.tlsCa ? { tls: { ca: [settings.tlsCa], minVersion: 'TLSv1.2' as const } } : {}),
    auth: { user, pass: settings.password, ...(authzid ? { authzid } : {}) },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
    clientInfo: { name: 'riposte' },
  });
  return { imap, shown };
}

function isMissingFolder(error: unknown): boolean {
  const e = error as { serverResponseCode?: unknown; responseText?: unknown; code?: unknown };
  return (
    e?.serverResponseCode === 'NONEXISTENT' ||
    e?.code === 'NotFound' ||
    (typeof e?.responseText === 'string' && /doesn't exist|does not exist|not found/i.test(e.responseText))
  );
}

function session(imap: ImapFlow, settings: ImapSettings, mailbox: string, login: string): MailboxSession {
  const fail = (error: unknown, doing: string) => imapError(error, settings, `${doing} as ${login}`);
  const requireExtensions = () => {
    const missing = ['MOVE', 'UIDPLUS'].filter((c) => !imap.capabilities.has(c));
    if (missing.length > 0)
      throw new ActionError(
        'unsupported',
        `imap ${settings.host}:${settings.port} lacks ${missing.join(' and ')}: moving and deleting single messages safely needs IMAP MOVE (RFC 6851) and UIDPLUS (RFC 4315)`,
        { retryable: false },
      );
  };
  /** Runs `work` with the folder selected; null when the folder does not exist. */
  const inFolder = async <T>(folder: string, work: () => Promise<T>): Promise<T | null> => {
    let lock;
    try {
      lock = await imap.getMailboxLock(folder);
    } catch (error) {
      if (isMissingFolder(error)) return null;
      throw fail(error, `select ${folder}`);
    }
    try {
      return await work();
    } finally {
      lock.release();
    }
  };
  const allFolders = async () => {
    try {
      const folders = await imap.list();
      return folders
        .filter((f) => !f.flags.has('\\Noselect') && !f.flags.has('\\NonExistent'))
        .map((f) => f.path);
    } catch (error) {
      throw fail(error, 'list folders');
    }
  };
  return {
    mailbox,
    settings,
    allFolders,
    scopeFolders: async () => {
      const existing = await allFolders();
      const wanted = settings.folders[0] === '*' ? existing : settings.folders;
      return wanted.filter(
        (f) =>
          existing.some((e) => e === f || (f.toUpperCase() === 'INBOX' && e.toUpperCase() === 'INBOX')) &&
          f !== settings.quarantineFolder,
      );
    },
    locate: async (folder, messageId) =>
      (await inFolder(folder, async () => {
        let uids: number[] | false | undefined;
        try {
          // HEADER search is a substring match (RFC 3501 6.4.4): candidates are checked below.
          uids = await imap.search({ header: { 'message-id': messageId.slice(1, -1) } }, { uid: true });
        } catch (error) {
          throw fail(error, `search ${folder}`);
        }
        if (!uids || uids.length === 0) return [];
        try {
          const messages = await imap.fetchAll(
            uids,
            { uid: true, flags: true, envelope: true },
            { uid: true },
          );
          return messages
            .filter((m) => sameMessageId(m.envelope?.messageId, messageId))
            .map((m) => ({ uid: m.uid, flags: new Set(m.flags ?? []) }));
        } catch (error) {
          throw fail(error, `fetch from ${folder}`);
        }
      })) ?? [],
    move: async (folder, uids, destination) => {
      requireExtensions();
      const moved = await inFolder(folder, async () => {
        const result = await imap.messageMove(uids, destination, { uid: true });
        // imapflow reports a refused command as false, not as an exception.
        if (!result)
          throw new ActionError(
            'imap_error',
            `imap: moving ${uids.join(',')} from ${folder} to ${destination} as ${login} failed`,
            { retryable: true },
          );
        return result.uidMap ?? new Map<number, number>();
      });
      if (moved === null)
        throw new ActionError('imap_error', `imap: folder ${folder} of ${mailbox} vanished`, {
          retryable: true,
        });
      return moved;
    },
    ensureFolder: async (folder) => {
      try {
        await imap.mailboxCreate(folder);
      } catch (error) {
        // Created in the meantime (another mailbox in parallel, a retry): fine.
        const e = error as { serverResponseCode?: unknown; responseText?: unknown };
        if (
          e?.serverResponseCode === 'ALREADYEXISTS' ||
          /already exists/i.test(String(e?.responseText ?? ''))
        )
          return;
        throw fail(error, `create folder ${folder}`);
      }
    },
    setKeywords: async (folder, uids, keywords, add) =>
      (await inFolder(folder, async () => {
        // PERMANENTFLAGS without \* (RFC 3501 7.1): the folder takes no new keywords.
        if (add && !(imap.mailbox && imap.mailbox.permanentFlags?.has('\\*'))) return false;
        return add
          ? imap.messageFlagsAdd(uids, keywords, { uid: true })
          : imap.messageFlagsRemove(uids, keywords, { uid: true });
      })) ?? false,
    withoutKeyword: (folder, keyword) =>
      inFolder(folder, async () => {
        try {
          const uids = await imap.search({ unKeyword: keyword }, { uid: true });
          return (uids || []).sort((a, b) => a - b);
        } catch (error) {
          throw fail(error, `search ${folder}`);
        }
      }),
    source: async (folder, uid, maxBytes) =>
      (await inFolder(folder, async () => {
        try {
          const head = await imap.fetchOne(String(uid), { uid: true, size: true }, { uid: true });
          if (!head) return null;
          const size = head.size ?? 0;
          if (size > maxBytes) return { size, raw: null };
          const full = await imap.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
          return full ? { size, raw: full.source ?? Buffer.alloc(0) } : null;
        } catch (error) {
          throw fail(error, `fetch ${uid} from ${folder}`);
        }
      })) ?? null,
    remove: async (folder, uids) => {
      requireExtensions();
      await inFolder(folder, async () => {
        if (!(await imap.messageDelete(uids, { uid: true })))
          throw new ActionError(
            'imap_error',
            `imap: deleting ${uids.join(',')} from ${folder} as ${login} failed`,
            { retryable: true },
          );
      });
    },
  };
}

/**
 * Logs in to one mailbox, runs `work` and logs out, whatever happens. The step's signal cuts the
 * wait short: the connection is dropped and the step sees `cancelled`.
 */
async function withMailbox<T>(
  settings: ImapSettings,
  mailbox: string,
  signal: AbortSignal,
  work: (session: MailboxSession) => Promise<T>,
): Promise<T> {
  const { imap, shown } = client(settings, mailbox);
  // imapflow emits 'error' on socket failures besides rejecting the pending command.
  imap.on('error', () => {});
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      imap.close();
      reject(new ActionError('cancelled', 'the mailbox operation was cancelled', { retryable: false }));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  const run = async () => {
    try {
      await imap.connect();
    } catch (error) {
      throw imapError(error, settings, `log in as ${shown}`);
    }
    return work(session(imap, settings, mailbox, shown));
  };
  try {
    return await Promise.race([run(), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
    await imap.logout().catch(() => imap.close());
  }
}

/**
 * Runs `work` in each mailbox in scope (the named ones or all the instance covers), a few at a
 * time, each over its own login; results in the mailboxes' order.
 */
export async function forEachMailbox<T>(
  fields: Readonly<Record<string, string>>,
  signal: AbortSignal,
  named: readonly string[] | undefined,
  work: (session: MailboxSession) => Promise<T>,
): Promise<T[]> {
  const settings = imapSettings(fields);
  const mailboxes = mailboxesIn(settings, named);
  const results: T[] = [];
  for (let i = 0; i < mailboxes.length; i += PARALLEL)
    results.push(
      ...(await Promise.all(
        mailboxes.slice(i, i + PARALLEL).map((m) => withMailbox(settings, m, signal, work)),
      )),
    );
  return results;
}
