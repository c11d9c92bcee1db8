import { randomBytes } from 'node:crypto';

/** A message a test puts into a fake mailbox. */
export interface FakeMailSeed {
  internetMessageId: string;
  subject?: string;
  from?: string;
  /** ISO date; default now. */
  received?: string;
  /** A well-known folder name (`inbox`, `junkemail` …) or the display name of a root folder; default `inbox`. */
  folder?: string;
}

export interface FakeMailFolder {
  id: string;
  displayName: string;
  wellKnownName: string | null;
  parentFolderId: string;
}

export interface FakeMailMessage {
  id: string;
  internetMessageId: string;
  subject: string;
  from: string;
  receivedDateTime: string;
  parentFolderId: string;
}

/** Exchange-like ids; a message's changes with every move, as Graph's does. */
export const fakeItemId = (prefix: 'AAMkAD' | 'AQMkAD') =>
  `${prefix}${randomBytes(18).toString('base64url')}AAA=`;

const WELL_KNOWN: [string, string][] = [
  ['inbox', 'Inbox'],
  ['junkemail', 'Junk Email'],
  ['deleteditems', 'Deleted Items'],
  ['sentitems', 'Sent Items'],
  ['drafts', 'Drafts'],
  ['archive', 'Archive'],
];

/**
 * One user's mailbox: the folder tree under `msgfolderroot` with the usual well-known folders, plus
 * Recoverable Items (Deletions) outside it, where a soft delete puts a message (no longer listed).
 */
export class FakeMailbox {
  readonly root: FakeMailFolder;
  readonly recoverable: FakeMailFolder;
  readonly folders: FakeMailFolder[] = [];
  readonly messages: FakeMailMessage[] = [];

  constructor(seeds: FakeMailSeed[] = []) {
    this.root = {
      id: fakeItemId('AQMkAD'),
      displayName: 'Top of Information Store',
      wellKnownName: 'msgfolderroot',
      parentFolderId: '',
    };
    this.recoverable = {
      id: fakeItemId('AQMkAD'),
      displayName: 'Deletions',
      wellKnownName: 'recoverableitemsdeletions',
      parentFolderId: '',
    };
    for (const [wellKnownName, displayName] of WELL_KNOWN)
      this.folders.push({
        id: fakeItemId('AQMkAD'),
        displayName,
        wellKnownName,
        parentFolderId: this.root.id,
      });
    for (const seed of seeds) {
      const folder = this.folder(seed.folder ?? 'inbox') ?? this.createFolder(seed.folder!);
      this.messages.push({
        id: fakeItemId('AAMkAD'),
        internetMessageId: seed.internetMessageId,
        subject: seed.subject ?? '(no subject)',
        from: seed.from ?? 'sender@example.net',
        receivedDateTime: seed.received ?? new Date().toISOString().slice(0, 19) + 'Z',
        parentFolderId: folder.id,
      });
    }
  }

  /** A folder by id, well-known name or (root child) display name, case-insensitive like Exchange. */
  folder(key: string): FakeMailFolder | undefined {
    const lower = key.toLowerCase();
    return [this.root, this.recoverable, ...this.folders].find(
      (f) =>
        f.id === key ||
        f.wellKnownName === lower ||
        (f.parentFolderId === this.root.id && f.displayName.toLowerCase() === lower),
    );
  }

  createFolder(displayName: string): FakeMailFolder {
    const folder = {
      id: fakeItemId('AQMkAD'),
      displayName,
      wellKnownName: null,
      parentFolderId: this.root.id,
    };
    this.folders.push(folder);
    return folder;
  }

  /** Messages a user (and `/messages`) sees: not the soft-deleted ones. */
  visible(): FakeMailMessage[] {
    return this.messages.filter((m) => m.parentFolderId !== this.recoverable.id);
  }

  /** The display names of the folders holding copies of a message, for tests to read state back. */
  whereIs(internetMessageId: string): string[] {
    return this.messages
      .filter((m) => m.internetMessageId === internetMessageId)
      .map((m) => this.folder(m.parentFolderId)!.displayName);
  }
}
