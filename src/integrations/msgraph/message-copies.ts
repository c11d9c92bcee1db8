import { Type, type Static } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import type { HttpResponse } from '../sdk/http-client.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { graphPages } from './graph-pages.ts';
import { graphCode, graphReason, graphRequest } from './graph-request.ts';
import { distinctMailboxes, mailboxPath, odataString } from './internet-message-id.ts';
import { mapConcurrently } from './map-concurrently.ts';

export const MessageCopy = Type.Object({
  mailbox: Type.String(),
  /** Graph's id of this copy; it changes when the copy is moved. */
  messageId: Type.String(),
  folderId: Type.String(),
  subject: Type.Union([Type.String(), Type.Null()]),
  from: Type.Union([Type.String(), Type.Null()]),
  received: Type.Union([Type.String(), Type.Null()]),
});
export type MessageCopy = Static<typeof MessageCopy>;

/** Mailboxes worked on at once; Graph allows 4 concurrent requests per mailbox, these are different ones. */
export const MAILBOX_CONCURRENCY = 4;

interface GraphMessage {
  id?: unknown;
  parentFolderId?: unknown;
  subject?: unknown;
  receivedDateTime?: unknown;
  from?: { emailAddress?: { address?: unknown } } | null;
}

const text = (value: unknown) => (typeof value === 'string' ? value : null);

/**
 * Every copy of one message in a mailbox, whatever its folder (`/users/{id}/messages` spans the
 * mailbox, Deleted Items and Junk Email included): `$filter=internetMessageId eq '<…>'`, paged.
 */
export async function copiesIn(
  context: IntegrationContext,
  mailbox: string,
  internetMessageId: string,
): Promise<MessageCopy[]> {
  const copies: MessageCopy[] = [];
  const pages = graphPages<GraphMessage>(context, {
    path: `${mailboxPath(mailbox)}/messages`,
    query: {
      $filter: `internetMessageId eq ${odataString(internetMessageId)}`,
      $select: 'id,subject,from,receivedDateTime,parentFolderId,internetMessageId',
      $top: 100,
    },
  });
  for await (const page of pages)
    for (const message of page) {
      if (typeof message.id !== 'string' || typeof message.parentFolderId !== 'string')
        throw new ActionError(
          'invalid_response',
          'Microsoft Graph answered a message without id or parentFolderId',
          {
            retryable: false,
          },
        );
      copies.push({
        mailbox,
        messageId: message.id,
        folderId: message.parentFolderId,
        subject: text(message.subject),
        from: text(message.from?.emailAddress?.address),
        received: text(message.receivedDateTime),
      });
    }
  return copies;
}

/**
 * The copies in every mailbox, in input order, each mailbox searched once however often it is named.
 * An unknown mailbox fails the whole search (before a write action changes anything) unless
 * `tolerate` collects it.
 */
export async function copiesAcross(
  context: IntegrationContext,
  mailboxes: readonly string[],
  internetMessageId: string,
  tolerate?: (mailbox: string, error: ActionError) => void,
): Promise<MessageCopy[]> {
  const perMailbox = await mapConcurrently(
    distinctMailboxes(mailboxes),
    MAILBOX_CONCURRENCY,
    async (mailbox) => {
      try {
        return await copiesIn(context, mailbox, internetMessageId);
      } catch (error) {
        if (tolerate && error instanceof ActionError && error.code === 'not_found') {
          tolerate(mailbox, error);
          return [];
        }
        throw error;
      }
    },
  );
  return perMailbox.flat();
}

/** Where a message (by Graph id) is now, or null when that id no longer exists (moved or deleted). */
export async function messageFolder(
  context: IntegrationContext,
  mailbox: string,
  messageId: string,
): Promise<string | null> {
  const response = await graphRequest(context, {
    path: `${mailboxPath(mailbox)}/messages/${encodeURIComponent(messageId)}`,
    query: { $select: 'id,parentFolderId' },
    accept: [404],
  });
  if (response.status === 404) return itemGone(response, mailbox);
  const folder = response.json<GraphMessage | null>()?.parentFolderId;
  if (typeof folder !== 'string')
    throw new ActionError('invalid_response', 'Microsoft Graph answered a message without parentFolderId', {
      retryable: false,
    });
  return folder;
}

/**
 * `POST …/messages/{id}/move` → 201 and the message under its new id; null when the id is gone
 * (an earlier attempt moved it, or someone deleted it).
 */
export async function moveMessage(
  context: IntegrationContext,
  mailbox: string,
  messageId: string,
  destinationId: string,
): Promise<{ messageId: string; folderId: string } | null> {
  const response = await graphRequest(context, {
    method: 'POST',
    path: `${mailboxPath(mailbox)}/messages/${encodeURIComponent(messageId)}/move`,
    json: { destinationId },
    accept: [404],
  });
  if (response.status === 404) return itemGone(response, mailbox);
  const moved = response.json<GraphMessage | null>();
  if (typeof moved?.id !== 'string' || typeof moved.parentFolderId !== 'string')
    throw new ActionError('invalid_response', 'Microsoft Graph answered a move without the moved message', {
      retryable: false,
    });
  return { messageId: moved.id, folderId: moved.parentFolderId };
}

/** A 404 ErrorItemNotFound is an answer ("no such item"); any other 404 (the mailbox) is not. */
export function itemGone(response: HttpResponse, mailbox: string): null {
  if (graphCode(response) === 'ErrorItemNotFound') return null;
  throw new ActionError('not_found', `Microsoft Graph: mailbox ${mailbox}: ${graphReason(response)}`, {
    retryable: false,
  });
}
