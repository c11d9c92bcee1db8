import type { FakeReply, FakeRequest } from '../sdk/fake-server.ts';
import { graphError } from './fake-graph-error.ts';
import { fakeItemId, type FakeMailbox, type FakeMailFolder, type FakeMailMessage } from './fake-mailbox.ts';

type Handler = (request: FakeRequest, mailbox: FakeMailbox) => FakeReply;

const notInStore = () =>
  graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');

/** `name eq 'literal'` with OData's doubled quotes; the only filter shape these endpoints are asked for. */
function equalityFilter(request: FakeRequest, property: string): string | undefined | FakeReply {
  const filter = request.query.get('$filter');
  if (filter === null) return undefined;
  const match = new RegExp(`^${property} eq '((?:[^']|'')*)'$`).exec(filter.trim());
  if (!match) return graphError(400, 'BadRequest', `Invalid filter clause: ${filter}`);
  return match[1]!.replaceAll("''", "'");
}

/**
 * One page of a collection, `@odata.nextLink` pointing at the next with `$skip` (the page is the
 * smaller of `$top`, default 10, and the fake's own cap, as Graph pages on its side too).
 */
function page(request: FakeRequest, items: Record<string, unknown>[], cap: number): FakeReply {
  const top = request.query.has('$top') ? Number(request.query.get('$top')) : 10;
  if (!Number.isInteger(top) || top < 1 || top > 1000)
    return graphError(400, 'BadRequest', `Invalid $top value: ${request.query.get('$top')}`);
  const skip = Number(request.query.get('$skip') ?? 0);
  const size = Math.min(top, cap);
  const select = request.query.get('$select')?.split(',');
  const value = items
    .slice(skip, skip + size)
    .map((item) =>
      select ? Object.fromEntries(select.filter((f) => f in item).map((f) => [f, item[f]])) : item,
    );
  const json: Record<string, unknown> = { value };
  if (skip + size < items.length) {
    const next = new URLSearchParams(request.query);
    next.set('$skip', String(skip + size));
    json['@odata.nextLink'] = `http://${request.headers.host}${request.path}?${next.toString()}`;
  }
  return { json };
}

const messageJson = (m: FakeMailMessage): Record<string, unknown> => ({
  '@odata.etag': `W/"${m.id.slice(-12)}"`,
  id: m.id,
  subject: m.subject,
  from: { emailAddress: { name: m.from.split('@')[0], address: m.from } },
  sender: { emailAddress: { name: m.from.split('@')[0], address: m.from } },
  receivedDateTime: m.receivedDateTime,
  parentFolderId: m.parentFolderId,
  internetMessageId: m.internetMessageId,
  isRead: false,
});

const folderJson = (mailbox: FakeMailbox, f: FakeMailFolder): Record<string, unknown> => {
  const inside = mailbox.visible().filter((m) => m.parentFolderId === f.id);
  return {
    id: f.id,
    displayName: f.displayName,
    parentFolderId: f.parentFolderId,
    childFolderCount: mailbox.folders.filter((c) => c.parentFolderId === f.id).length,
    unreadItemCount: inside.length,
    totalItemCount: inside.length,
    isHidden: false,
  };
};

function body(request: FakeRequest): Record<string, unknown> | FakeReply {
  try {
    const parsed = JSON.parse(request.body) as unknown;
    if (parsed && typeof parsed === 'object') return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  return graphError(400, 'BadRequest', 'Unable to read JSON request payload.');
}
const isReply = (value: unknown): value is FakeReply =>
  typeof value === 'object' && value !== null && 'status' in value && 'json' in value;

/**
 * Exchange Online through Graph: messages listed with `$filter` on internetMessageId, `$select`
 * and paging; move (a new id, 201); delete (soft, into Recoverable Items) and permanentDelete;
 * mail folders listed by displayName and created (409 ErrorFolderExists on a duplicate).
 */
export function fakeMailRoutes(pageCap: number): [method: string, pattern: string, handler: Handler][] {
  const message = (request: FakeRequest, mailbox: FakeMailbox) =>
    mailbox.visible().find((m) => m.id === request.params['mid']);

  const listMessages: Handler = (request, mailbox) => {
    const wanted = equalityFilter(request, 'internetMessageId');
    if (isReply(wanted)) return wanted;
    const matches = mailbox.visible().filter((m) => wanted === undefined || m.internetMessageId === wanted);
    return page(request, matches.map(messageJson), pageCap);
  };

  const getMessage: Handler = (request, mailbox) => {
    const found = message(request, mailbox);
    if (!found) return notInStore();
    const select = request.query.get('$select')?.split(',');
    const all = messageJson(found);
    return {
      json: select ? Object.fromEntries(select.filter((f) => f in all).map((f) => [f, all[f]])) : all,
    };
  };

  const move: Handler = (request, mailbox) => {
    const parsed = body(request);
    if (isReply(parsed)) return parsed;
    const destination = parsed['destinationId'];
    if (typeof destination !== 'string' || destination === '')
      return graphError(400, 'ErrorInvalidParameter', "The value of the parameter 'DestinationId' is empty.");
    const found = message(request, mailbox);
    const folder = mailbox.folder(destination);
    if (!folder && !destination.startsWith('AQMkAD'))
      return graphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
    if (!found || !folder) return notInStore();
    found.id = fakeItemId('AAMkAD');
    found.parentFolderId = folder.id;
    return {
      status: 201,
      json: { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#message', ...messageJson(found) },
    };
  };

  const softDelete: Handler = (request, mailbox) => {
    const found = message(request, mailbox);
    if (!found) return notInStore();
    found.id = fakeItemId('AAMkAD');
    found.parentFolderId = mailbox.recoverable.id;
    return { status: 204, text: '' };
  };

  const permanentDelete: Handler = (request, mailbox) => {
    const found = message(request, mailbox);
    if (!found) return notInStore();
    mailbox.messages.splice(mailbox.messages.indexOf(found), 1);
    return { status: 204, text: '' };
  };

  const listFolders: Handler = (request, mailbox) => {
    const wanted = equalityFilter(request, 'displayName');
    if (isReply(wanted)) return wanted;
    const children = mailbox.folders.filter(
      (f) =>
        f.parentFolderId === mailbox.root.id &&
        (wanted === undefined || f.displayName.toLowerCase() === wanted.toLowerCase()),
    );
    return page(
      request,
      children.map((f) => folderJson(mailbox, f)),
      pageCap,
    );
  };

  const createFolder: Handler = (request, mailbox) => {
    const parsed = body(request);
    if (isReply(parsed)) return parsed;
    const name = parsed['displayName'];
    if (typeof name !== 'string' || name.trim() === '')
      return graphError(400, 'ErrorInvalidParameter', "The value of the parameter 'DisplayName' is empty.");
    const exists = mailbox.folders.some(
      (f) => f.parentFolderId === mailbox.root.id && f.displayName.toLowerCase() === name.toLowerCase(),
    );
    if (exists)
      return graphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
    return { status: 201, json: folderJson(mailbox, mailbox.createFolder(name)) };
  };

  return [
    ['GET', '/v1.0/users/:id/messages', listMessages],
    ['GET', '/v1.0/users/:id/messages/:mid', getMessage],
    ['POST', '/v1.0/users/:id/messages/:mid/move', move],
    ['DELETE', '/v1.0/users/:id/messages/:mid', softDelete],
    ['POST', '/v1.0/users/:id/messages/:mid/permanentDelete', permanentDelete],
    ['GET', '/v1.0/users/:id/mailFolders', listFolders],
    ['POST', '/v1.0/users/:id/mailFolders', createFolder],
  ];
}
